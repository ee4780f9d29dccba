"""What an operator watches: Prometheus metrics (metrics.py), structured logs (logs.py) and the
per-request and per-job facts both report (context.py).

The lowest layer: it imports only `settings` and libraries, so that every other layer (the
server, resolvers, workers) can record what it does."""
