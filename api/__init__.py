"""The API layer: what the server and the Python client share, and nothing else.

Conversion between the engine's types and the protobuf messages in both directions
(``convert``), the answer's wire encoding the server sends without building messages (``wire``),
rich statuses that name each bad field and their reading back (``status``), and the escaping of
echoed input (``escape``). It depends only on the engine and the generated ``trivsel.v1`` code;
``trivsel.service`` (the server) and ``trivsel.client`` (the CLI and ``trivsel.Client``) both
depend on it and not on each other's internals.
"""
