"""The staff dashboard: a small server-rendered web app over the stored consultation requests."""
