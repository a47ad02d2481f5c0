-- compose.yaml's PostgreSQL, on its first start only (the image runs /docker-entrypoint-initdb.d/
-- once, on an empty data volume): POSTGRES_DB is the intake database; this adds Rasa's tracker
-- store beside it, owned by the same account (POSTGRES_USER), which is the one that runs this.
CREATE DATABASE rasa;
