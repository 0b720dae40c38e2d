"""OpenTelemetry traces, switched on by the standard ``OTEL_*`` environment variables.

A platform team that runs a collector sets ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
``OTEL_TRACES_EXPORTER=otlp``/``console``) and gets, per call, the gRPC server span of the
OpenTelemetry gRPC instrumentation (continuing the caller's trace from its ``traceparent``) with
four children for where the time goes — ``validate`` (the profile check and the sector),
``match`` (durable_rules), ``rank`` (scores, must-act, order) and ``explain`` (the rationale and
the answer's bytes) — and the same trace id in the call's log line. Nothing is set: nothing is
imported, no interceptor runs, and the engine's stages cost one shared no-op context each.

What the variables mean here (the SDK reads the rest itself — ``OTEL_SERVICE_NAME``,
``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER``, ``OTEL_BSP_*``, and the exporter its
``OTEL_EXPORTER_OTLP_*`` endpoint, headers, certificate, timeout):

* ``OTEL_SDK_DISABLED=true`` — off, whatever else is set;
* ``OTEL_TRACES_EXPORTER`` — a comma list of ``otlp`` and ``console``; ``none`` is off. Unset, traces
  are on exactly when an OTLP endpoint (``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``…_TRACES_ENDPOINT``) is;
* ``OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL`` — ``grpc`` (the default) or ``http/protobuf``.

Health checks (the kubelet's, the watchdog's every second) are left out of the traces.
Each worker process has its own provider and batch exporter; they are flushed when it stops.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported only when traces are on (and the supervisor imports this module)
    import grpc
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span, Tracer
    from opentelemetry.util.types import AttributeValue
    from structlog.typing import EventDict

__all__ = ["Tracing", "configure_tracing", "tracing_wanted", "settings_problem", "trace_ids"]

_ATTRIBUTES = frozenset({"request_id", "status", "ruleset", "fingerprint", "profiles", "refused", "changes",
                         "request_bytes", "answer_bytes", "answer_bound"})
"""What a span may carry from the call's log fields: counts and versions — never a department id, a
peer or anything from the profile, since traces leave for a backend outside the service."""
_SERVER_FAULTS = frozenset({"UNKNOWN", "DEADLINE_EXCEEDED", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS"})
"""Status codes that mark a server span as an error (OpenTelemetry's gRPC conventions): the
server's own faults, not a caller's refused input. Names, so the supervisor (which imports this
module to check the settings) imports no gRPC."""


def tracing_wanted(env: Mapping[str, str]) -> bool:
    """Whether the OTEL_* variables ask for traces (see the module's list)."""
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = env.get("OTEL_TRACES_EXPORTER")
    if exporters is not None:
        return any(e.strip().lower() not in ("", "none") for e in exporters.split(","))
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


@dataclass(frozen=True)
class Tracing:
    """A worker's tracer: the stage hook for the engine, the server interceptor, the shutdown."""

    provider: TracerProvider
    tracer: Tracer
    exporters: tuple[str, ...]

    def stage(self, name: str) -> AbstractContextManager[Span]:
        """A child span of the call's span for one stage of the work. An exception passing through
        (a refused profile) is neither recorded nor an error here: its message repeats the
        profile's values, and the call's status is set once, on the server span (:meth:`annotate`)."""
        return self.tracer.start_as_current_span(name, record_exception=False, set_status_on_exception=False)

    def interceptor(self) -> grpc.ServerInterceptor:
        """The gRPC instrumentation's server interceptor, health checks filtered out."""
        from opentelemetry.instrumentation.grpc import filters, server_interceptor

        interceptor: grpc.ServerInterceptor = server_interceptor(  # type: ignore[no-untyped-call]  # unannotated
            tracer_provider=self.provider, filter_=filters.negate(filters.health_check()))
        return interceptor

    def annotate(self, status: str, fields: Mapping[str, AttributeValue]) -> None:
        """The call's outcome and own facts on its span: request id, rule-set version and
        fingerprint, counts. The status code is set here because the handlers end a refused call
        with ``abort_with_status`` (rich details), which the instrumentation does not see; as
        OpenTelemetry's gRPC conventions say, only codes that are the server's fault mark the
        server span as an error — a refused profile is the caller's."""
        import grpc
        from opentelemetry import trace
        from opentelemetry.trace import Status, StatusCode

        span = trace.get_current_span()
        if not span.is_recording():
            return
        span.set_attribute("rpc.grpc.status_code", grpc.StatusCode[status].value[0])
        if status in _SERVER_FAULTS:
            span.set_status(Status(StatusCode.ERROR, f"{status}"))
        span.set_attributes({f"trivsel.{k}": v for k, v in fields.items() if k in _ATTRIBUTES})

    def shutdown(self) -> None:
        self.provider.shutdown()  # flushes the batch exporter


_EXPORTERS = ("otlp", "console", "none", "")
_PROTOCOLS = ("grpc", "http/protobuf")


def settings_problem(env: Mapping[str, str]) -> str | None:
    """What is wrong with the OTEL_* variables we act on (checked by the supervisor before any
    worker starts, so a typo ends the server with one clear line instead of workers that die
    and are restarted for ever); None when they are fine or tracing is off."""
    if not tracing_wanted(env):
        return None
    for name in env.get("OTEL_TRACES_EXPORTER", "otlp").split(","):
        if name.strip().lower() not in _EXPORTERS:
            return f"OTEL_TRACES_EXPORTER: '{name.strip()}' is not supported here (otlp, console or none)"
    for variable in ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"):
        if env.get(variable) and env[variable] not in _PROTOCOLS:
            return f"{variable}: '{env[variable]}' is not supported (grpc or http/protobuf)"
    return None


def configure_tracing(env: Mapping[str, str], version: str, exporter: SpanExporter | None = None) -> Tracing | None:
    """A tracer as ``env`` asks (None: traces are off). ``exporter`` (a test's in-memory exporter)
    replaces the configured ones and is fed span by span."""
    if exporter is None and not tracing_wanted(env):
        return None
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    attributes = {"service.version": version}
    if not env.get("OTEL_SERVICE_NAME"):
        attributes["service.name"] = "trivsel"
    provider = TracerProvider(resource=Resource.create(attributes))
    names: list[str] = []
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        names.append(type(exporter).__name__)
    else:
        wanted = [e.strip().lower() for e in env.get("OTEL_TRACES_EXPORTER", "otlp").split(",")]
        for name in wanted:
            if name in ("", "none"):
                continue
            provider.add_span_processor(BatchSpanProcessor(_exporter(name, env)))
            names.append(name)
    trace.set_tracer_provider(provider)
    return Tracing(provider, provider.get_tracer("trivsel", version), tuple(names))


def _exporter(name: str, env: Mapping[str, str]) -> SpanExporter:
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter(out=sys.stderr)  # standard output is the announcement's (JSON only)
    if name != "otlp":
        raise ValueError(f"OTEL_TRACES_EXPORTER: '{name}' is not supported here (otlp, console or none)")
    protocol = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "grpc"
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    if protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

        return HttpExporter()
    raise ValueError(f"OTEL_EXPORTER_OTLP_PROTOCOL: '{protocol}' is not supported (grpc or http/protobuf)")


def trace_ids(_: object, __: str, event: EventDict) -> EventDict:
    """A structlog processor: the current span's trace and span id on the line (W3C hex)."""
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event.setdefault("trace_id", format(context.trace_id, "032x"))
        event.setdefault("span_id", format(context.span_id, "016x"))
    return event

