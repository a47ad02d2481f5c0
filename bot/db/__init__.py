"""Storage for consultation requests and staff data (SQLAlchemy 2.x)."""
