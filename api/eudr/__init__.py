"""EUDR due diligence statements: building the V3 request, talking to the EU system, recording.

``dds`` decides what a lot's statement holds, ``xml`` writes and reads the SOAP messages,
``client`` sends them, ``credentials`` finds the web-service user's key, ``record`` puts the
answers on the ledger. The geolocation rules themselves are ``ledger.supply.eudr``.
"""
