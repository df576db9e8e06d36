"""What every app builds on (errors, HTTP constants, API schemas, compiled queries); imports no
app and not the project package."""
