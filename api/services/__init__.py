"""Application services: the one way each job is done, called by every face (HTTP, web, CLI).

They own the wiring of ledger, verifiers and labels to a database and nothing else: rules live
in the core packages, request parsing in the faces.
"""
