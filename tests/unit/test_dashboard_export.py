"""The dashboard's CSV export over HTTP: the filtered list, formulas neutralised, audited."""

from __future__ import annotations

import csv
import io

from tests.support.dashboard_client import audit_entries, page_token, signed_in
from tests.support.dashboard_db import db_url, template_db  # noqa: F401  (fixtures)
from tests.support.dashboard_http import add_request, app, clock  # noqa: F401  (fixtures)


def test_export_is_the_filtered_list_as_csv_and_neutralises_formulas(app, db_url):
    add_request(db_url, "R-1", outcome="needs_review", name='=HYPERLINK("http://x")')
    add_request(db_url, "R-2", outcome="eligible", name="John Smith")
    client = signed_in(app, "ada")
    response = client.post(
        "/export.csv", data={"outcome": "needs_review", "q": "hyperlink", "csrf_token": page_token(client)}
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["reference"] for row in rows] == ["R-1"]
    assert rows[0]["name"].startswith("'=") and rows[0]["outcome"] == "needs_review"
    export_entry = [a for a in audit_entries(db_url) if a[1] == "export"][-1]
    assert export_entry[0] == "ada" and export_entry[3] == "1 requests; outcome=needs_review, search=yes"


def test_export_says_each_request_s_language_and_can_be_filtered_by_it(app, db_url):
    add_request(db_url, "R-1", language="es")
    add_request(db_url, "R-2")
    client = signed_in(app, "ada")
    response = client.post("/export.csv", data={"language": "es", "csrf_token": page_token(client)})
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["reference"], row["language"]) for row in rows] == [("R-1", "es")]
    everything = client.post("/export.csv", data={"csrf_token": page_token(client)})
    assert sorted(row["language"] for row in csv.DictReader(io.StringIO(everything.text))) == ["en", "es"]
