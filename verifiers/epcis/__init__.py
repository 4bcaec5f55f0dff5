"""GS1 EPCIS 2.0: the event hash, schema validation and captured partner events.

Left out: the export of ledger entries as EPCIS events (``api.exports.epcis``): it reads the
ledger through the API's service, which this package must not import.
"""
