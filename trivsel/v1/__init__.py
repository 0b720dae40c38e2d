"""The generated gRPC code for ``proto/trivsel/v1/recommender.proto`` (built by setup.py, never edited)."""
