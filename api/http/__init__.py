"""The JSON API face: routers, request bodies, response schemas and the error envelope."""
