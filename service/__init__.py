"""The gRPC plug-in service around the engine: API adapter, reload, process model."""
