"""arq workers: the WorkerSettings, the slice computation, and every Redis key in one place."""
