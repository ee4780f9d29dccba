"""The reference web client (profile page, explorer, offline GraphiQL): its built assets live in
web/static, and web/routes.py serves them. Sources are web/src, built by `make web`."""
