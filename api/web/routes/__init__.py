"""The web face's routers: the server-rendered pages (index, lots, label resolver)."""
