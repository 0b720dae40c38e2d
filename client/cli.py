"""``trivsel``: recommendations, what-if questions, descriptions and rule checks from the terminal.

Every command that queries works embedded (the engine in this process, offline) or against a
server (``--server HOST:PORT``), and prints the same either way.

Exit codes: 0 success; 1 a check found problems (``lint``); 2 bad input — an unreadable or
invalid profile, a broken rule set, bad arguments — with the message on standard error; 3 the
server could not be reached or failed.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from trivsel.api.escape import escape
from trivsel.engine import Options, ProfileError, Recommender, RuleSetError, build_recommender
from trivsel.engine.bundled import default_rules_folder
from trivsel.engine.description import description_to_dict
from trivsel.engine.errors import UserError
from trivsel.engine.explain import InterventionWhy, RuleWhy
from trivsel.engine.suggestions import did_you_mean
from trivsel.engine.survey import ScoredUnit, SurveyError
from trivsel.engine.whatif import parse_change

from .backend import Backend, EmbeddedBackend
from .errors import CallError
from .profiles import read_profile
from .remote import RemoteBackend
from .render import (
    profile_heading,
    render_description,
    render_followup,
    render_levers,
    render_org,
    render_result,
    render_whatif,
    render_why,
)
from .survey_cli import _measured, _print_refused, add_survey_options, cmd_score, file_names, score_file, write_problems

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT, EXIT_SERVER = 0, 1, 2, 3


class UsageError(UserError):
    """Bad input detected by the CLI itself (exit 2)."""


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", metavar="DIR", help="rules folder (default: $TRIVSEL_RULES or the bundled rules)")
    p.add_argument("--lang", choices=("da", "en"), default="en", help="language of texts (default: en)")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    _add_server_options(p)


def _add_server_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("server (instead of the embedded engine)")
    g.add_argument("--server", metavar="HOST:PORT", default=os.environ.get("TRIVSEL_SERVER"),
                   help="ask a Trivsel server (default: $TRIVSEL_SERVER; none = embedded engine)")
    g.add_argument("--tls", action="store_true", help="use TLS with the system's root certificates")
    g.add_argument("--ca", metavar="FILE", help="CA certificate to verify the server (implies --tls)")
    g.add_argument("--cert", metavar="FILE", help="client certificate for mutual TLS")
    g.add_argument("--key", metavar="FILE", help="client private key for mutual TLS")
    g.add_argument("--token", default=os.environ.get("TRIVSEL_ADMIN_TOKEN"),
                   help="admin bearer token (default: $TRIVSEL_ADMIN_TOKEN)")
    g.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="deadline per call (default 30)")


def _version() -> str:
    """``trivsel 0.1.0 (compiled: mypyc 2.4.1, 16 modules)`` or ``(pure Python: why)``: the build
    says how fast to expect it (trivsel/native.py)."""
    from trivsel import __version__
    from trivsel.native import BUILD

    return f"trivsel {__version__} ({BUILD})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trivsel", description="Rule-based recommendations for the "
                                     "psychosocial work environment.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("recommend", help="ranked interventions for one department profile")
    p.add_argument("profile", help="profile file (YAML or JSON), or - for standard input")
    p.add_argument("--top", type=int, metavar="N", help="how many interventions (default: the rule set's, 5)")
    p.add_argument("--date", type=_iso_date, metavar="YYYY-MM-DD",
                   help="the answer's date (default today): follow-up dates that have passed count from it")
    _add_engine_options(p)
    p.set_defaults(handler=cmd_recommend)

    p = sub.add_parser("whatif", help="how the ranking changes if some scores change")
    p.add_argument("profile", help="profile file (YAML or JSON), or - for standard input")
    p.add_argument("--set", dest="changes", action="append", default=[], metavar="CHANGE", required=True,
                   help="influence=60, work_pace-=10 or bullying+=2; repeat for several")
    p.add_argument("--top", type=int, metavar="N", help="how many interventions (default 5)")
    _add_engine_options(p)
    p.set_defaults(handler=cmd_whatif)

    p = sub.add_parser("levers", help="which single improvement would help most (next better band per dimension)")
    p.add_argument("profile", help="profile file (YAML or JSON), or - for standard input")
    p.add_argument("--top", type=int, metavar="N", help="list length (default 5)")
    p.add_argument("--all", action="store_true", help="also list changes that would change nothing")
    p.add_argument("--no-pairs", action="store_true", help="do not look for the best pair")
    _add_engine_options(p)
    p.set_defaults(handler=cmd_levers)

    p = sub.add_parser("score", help="score a survey export (CSV or XLSX, a row per respondent) into department "
                                     "profiles")
    p.add_argument("responses", help="the export: one row per respondent, one column per item")
    p.add_argument("--out", metavar="DIR", help="write one profile file per department here")
    p.add_argument("--recommend", action="store_true", help="and answer each scored department")
    p.add_argument("--report", metavar="DIR", help="and write each scored department's report (HTML) here")
    p.add_argument("--top", type=int, metavar="N", help="list length for --recommend and --report (default 5)")
    add_survey_options(p)
    _add_engine_options(p)
    p.set_defaults(handler=cmd_score_chain)

    p = sub.add_parser("org", help="many departments: each one's answer, shared needs, escalations, bands")
    p.add_argument("input", help="a folder of profiles, a YAML/JSON file with a list, or a CSV file; with "
                                 "--instrument, a survey export (a row per respondent)")
    p.add_argument("--share", type=float, default=0.3, metavar="S",
                   help="raise interventions needed in at least this share of departments (default 0.3)")
    p.add_argument("--top", type=int, metavar="N", help="list length per department (default 5)")
    add_survey_options(p, required=False)
    _add_engine_options(p)
    p.set_defaults(handler=cmd_org)

    p = sub.add_parser("report", help="a printable report (HTML or Markdown) for a department or an organisation")
    p.add_argument("profile", nargs="?", help="profile file (YAML or JSON), or - for standard input")
    p.add_argument("--org", metavar="INPUT", help="an organisation instead: folder, list file or CSV")
    p.add_argument("--out", metavar="FILE", help="write here (default: standard output)")
    p.add_argument("--format", choices=("html", "md"), help="default: from --out's suffix, else html")
    p.add_argument("--share", type=float, default=0.3, metavar="S", help="escalation share for --org (default 0.3)")
    p.add_argument("--top", type=int, metavar="N", help="list length (default 5)")
    p.add_argument("--date", type=_iso_date, metavar="YYYY-MM-DD",
                   help="the report's date (default today): follow-up dates that have passed count from it")
    _add_engine_options(p)
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("followup", help="compare two measurements of one department")
    p.add_argument("before", help="the earlier profile")
    p.add_argument("after", help="the later profile")
    _add_engine_options(p)
    p.set_defaults(handler=cmd_followup)

    p = sub.add_parser("explain", help="why a rule did or did not fire, or why an intervention is where it is")
    p.add_argument("profile", help="profile file (YAML or JSON), or - for standard input")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--rule", metavar="ID", help="explain one rule")
    target.add_argument("--intervention", metavar="ID", help="explain one intervention and every rule behind it")
    p.add_argument("--top", type=int, metavar="N", help="list length the intervention is judged against")
    _add_engine_options(p)
    p.set_defaults(handler=cmd_explain)

    p = sub.add_parser("diff-rules", help="how a rule change would change the answers for a set of profiles")
    p.add_argument("old", help="the rules folder as it is")
    p.add_argument("new", help="the rules folder as it would be")
    p.add_argument("--profiles", required=True, metavar="DIR", help="folder of profile files (YAML or JSON)")
    p.add_argument("--top", type=int, metavar="N", help="list length (default: the rule sets')")
    p.add_argument("--lang", choices=("da", "en"), default="en")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_diff_rules)

    p = sub.add_parser("describe", help="the rule set's dimensions and interventions")
    _add_engine_options(p)
    p.set_defaults(handler=cmd_describe)

    p = sub.add_parser("test", help="run the rule tests in YAML (rules/tests/) and report coverage")
    p.add_argument("folder", nargs="?", help="rules folder (default: the bundled rules); tests in its tests/")
    p.add_argument("--tests", metavar="DIR", help="test folder (default: FOLDER/tests)")
    p.add_argument("--run", metavar="PATTERN", help="only cases whose name matches (regular expression or glob)")
    p.add_argument("--coverage", action="store_true", help="list rules never fired, interventions never "
                   "recommended and the bands each dimension's tests used")
    p.add_argument("--min-coverage", type=float, metavar="P", help="fail if fewer than P %% of the rules fired")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_test)

    p = sub.add_parser("serve", help="run the gRPC server (see: trivsel serve --help)", add_help=False)
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("call", help="call any method of a server through reflection (like grpcurl)")
    p.add_argument("method", nargs="?", help="SERVICE/METHOD, e.g. trivsel.v1.Recommender/Recommend; "
                   "omit to list the methods")
    p.add_argument("request", nargs="?", default="{}", help="the request as JSON, or - for standard input")
    _add_server_options(p)
    p.set_defaults(handler=cmd_call)

    p = sub.add_parser("health", help="exit 0 if a server is SERVING (for container health checks)")
    _add_server_options(p)
    p.add_argument("--local", action="store_true",
                   help="check the server this container runs, as its own flags and TRIVSEL_* variables "
                        "configure it (address, TLS, mutual TLS); the image's HEALTHCHECK")
    p.add_argument("--pid", type=int, default=1, help="with --local: the server's process (default 1, a "
                   "container's entrypoint); its settings are read from /proc")
    p.set_defaults(handler=cmd_health)

    p = sub.add_parser("reload", help="ask a server to reload its rules folder (admin)")
    _add_server_options(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_reload)

    p = sub.add_parser("lint", help="check a rules folder and list every problem")
    p.add_argument("folder", nargs="?", help="rules folder (default: the bundled rules)")
    p.add_argument("--json", action="store_true", help="print the problems as JSON")
    p.set_defaults(handler=cmd_lint)

    p = sub.add_parser("schema", help="print the JSON Schema of rule files (for editors: completion, errors)")
    p.add_argument("--out", metavar="FILE", help="write it to FILE instead of standard output")
    p.set_defaults(handler=cmd_schema)
    return parser


def _backend(args: argparse.Namespace) -> Backend:
    if getattr(args, "server", None):
        return _server_backend(args)
    return EmbeddedBackend(args.rules or default_rules_folder())


def _server_backend(args: argparse.Namespace) -> RemoteBackend:
    return RemoteBackend(args.server, ca=_path(args.ca), cert=_path(args.cert), key=_path(args.key), tls=args.tls,
                         token=args.token, timeout=args.timeout)


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _options(args: argparse.Namespace) -> Options:
    top = getattr(args, "top", None)
    if top is not None and not 1 <= top <= 100:
        raise UsageError("--top must be between 1 and 100")
    return Options(top=top, language=args.lang)


def _print_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def cmd_recommend(args: argparse.Namespace) -> int:
    options = _options(args)
    profile = read_profile(args.profile)
    with _backend(args) as backend:
        result = backend.recommend(profile, options)
    if args.json:
        _print_json(result.to_dict())
    else:
        measured = profile.measured_on if isinstance(profile.measured_on, _dt.date) else None
        sys.stdout.write(render_result(result, profile_heading(profile, args.lang), measured_on=measured,
                                       today=args.date))
    return EXIT_OK


def cmd_whatif(args: argparse.Namespace) -> int:
    options = _options(args)
    changes = [parse_change(text) for text in args.changes]
    profile = read_profile(args.profile)
    with _backend(args) as backend:
        result = backend.whatif(profile, changes, options)
    if args.json:
        _print_json({"baseline": result.baseline.to_dict(), "changed": result.changed.to_dict(),
                     "differences": [asdict(d) for d in result.differences],
                     "changed_scores": dict(sorted(result.changed_scores.items()))})
    else:
        sys.stdout.write(render_whatif(result, changes, profile_heading(profile, args.lang)))
    return EXIT_OK


def cmd_test(args: argparse.Namespace) -> int:
    from trivsel.engine import load_ruleset
    from trivsel.engine.rule_tests import coverage, load_cases, run_cases

    from .render import render_test_report

    folder = Path(args.folder) if args.folder else default_rules_folder()
    tests = Path(args.tests) if args.tests else folder / "tests"
    ruleset = load_ruleset(folder)
    cases, problems = load_cases(tests, ruleset)
    with Recommender(ruleset) as recommender:
        results = run_cases(recommender, cases, args.run)
    cov = coverage(results, ruleset) if (args.coverage or args.min_coverage is not None) else None
    failed = sum(1 for r in results if not r.passed)
    below = cov is not None and args.min_coverage is not None and cov.rule_percent < args.min_coverage
    if args.json:
        _print_json({"passed": len(results) - failed, "failed": failed, "problems": [p.to_dict() for p in problems],
                     "cases": [r.to_dict() for r in results], "coverage": cov.to_dict() if cov else None,
                     "min_coverage": args.min_coverage, "ok": not (failed or problems or below)})
    else:
        sys.stdout.write(render_test_report(results, problems, cov, args.min_coverage))
    if not cases and not problems:
        print(f"trivsel: no test cases found in {tests}", file=sys.stderr)
        return EXIT_PROBLEMS
    if not results and args.run:
        print(f"trivsel: no test case matches '{args.run}'", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_PROBLEMS if failed or any(p.is_error for p in problems) or below else EXIT_OK


def cmd_levers(args: argparse.Namespace) -> int:
    options = _options(args)
    profile = read_profile(args.profile)
    with _backend(args) as backend:
        report = backend.levers(profile, options, pairs=not args.no_pairs)
        description = backend.describe()
    if args.json:
        _print_json(asdict(report))
    else:
        sys.stdout.write(render_levers(report, description, args.lang, profile_heading(profile, args.lang), args.all))
    return EXIT_OK


def cmd_score_chain(args: argparse.Namespace) -> int:
    """``trivsel score``, then each scored department through recommend and/or report."""
    options = _options(args)
    if args.json and (args.recommend or args.report):
        raise UsageError("--json prints the scored profiles; use it without --recommend and --report")

    def chain(units: Sequence[ScoredUnit], measured_on: _dt.date | None) -> None:
        if not (args.recommend or args.report):
            return
        from .report import render_profile_report

        report_names = file_names(units, ".html") if args.report else []
        with _backend(args) as backend:
            description = backend.describe() if args.report else None
            for n, unit in enumerate(units):
                profile = unit.profile(measured_on)
                result = backend.recommend(profile, options)
                if args.recommend:
                    measured = profile.measured_on if isinstance(profile.measured_on, _dt.date) else None
                    sys.stdout.write(render_result(result, profile_heading(profile, args.lang), measured_on=measured))
                    sys.stdout.write("\n")
                if description is not None:  # --report
                    folder = Path(args.report)
                    folder.mkdir(parents=True, exist_ok=True)
                    page = render_profile_report(profile, result, description, backend.levers(profile, options),
                                                 "html", min_answers=description.min_answers_for_shares)
                    (folder / report_names[n]).write_text(page, encoding="utf-8")

    try:
        return cmd_score(args, chain)
    except SurveyError as exc:
        write_problems(exc, args.responses)
        return EXIT_BAD_INPUT


def cmd_org(args: argparse.Namespace) -> int:
    from .org_input import read_departments

    options = _options(args)
    if not 0 < args.share <= 1:
        raise UsageError("--share must be above 0 and at most 1")
    if args.instrument:  # raw answers: score them first
        ruleset, _, scored = score_file(args)
        _print_refused(scored, args.lang, ruleset.min_group_size)
        measured = _measured(args.measured_on)
        # departments only: a division is its departments again, and would be counted twice
        profiles = [u.profile(measured) for u in scored.units if not u.level]
    else:
        profiles = read_departments(args.input)
    with _backend(args) as backend:
        org = backend.analyse(profiles, options, args.share)
    if args.json:
        _print_json(asdict(org))
    else:
        sys.stdout.write(render_org(org))
    return EXIT_OK


def _iso_date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2025-06-01") from None


def cmd_report(args: argparse.Namespace) -> int:
    from .report import render_org_report, render_profile_report

    if bool(args.profile) == bool(args.org):
        raise UsageError("give either a PROFILE or --org INPUT")
    fmt = args.format or ("md" if args.out and args.out.endswith(".md") else "html")
    options = _options(args)
    with _backend(args) as backend:
        description = backend.describe()
        if args.org:
            from .org_input import read_departments

            org = backend.analyse(read_departments(args.org), options, args.share)
            text = render_org_report(org, description, fmt, min_answers=description.min_answers_for_shares)
        else:
            profile = read_profile(args.profile)
            text = render_profile_report(profile, backend.recommend(profile, options), description,
                                         backend.levers(profile, options), fmt, today=args.date,
                                         min_answers=description.min_answers_for_shares)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_followup(args: argparse.Namespace) -> int:
    from trivsel.engine.followup import compare_measurements

    before, after = read_profile(args.before), read_profile(args.after)
    options = Options(top=100, language=args.lang)
    with _backend(args) as backend:
        first, second = backend.recommend(before, options), backend.recommend(after, options)
        description = backend.describe()
        dimensions = {d.id: d for d in description.dimensions}
    report = compare_measurements(before, after, first, second, dimensions, description.min_answers_for_shares)
    if args.json:
        _print_json(asdict(report))
    else:
        sys.stdout.write(render_followup(report, dimensions, args.lang, before.department.id != after.department.id))
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    options = _options(args)
    profile = read_profile(args.profile)
    why: RuleWhy | InterventionWhy
    with _backend(args) as backend:
        if args.rule:
            why = backend.explain_rule(profile, args.rule, options.language)
        else:
            why = backend.explain_intervention(profile, args.intervention, options.language, options.top)
    if args.json:
        _print_json(asdict(why))
    else:
        sys.stdout.write(render_why(why, args.lang, profile_heading(profile, args.lang)))
    return EXIT_OK


def cmd_diff_rules(args: argparse.Namespace) -> int:
    from trivsel.engine import load_ruleset
    from trivsel.engine.impact import preview

    from .render import render_impact

    options = _options(args)
    folder = Path(args.profiles)
    files = sorted(p for p in folder.glob("*") if p.suffix in (".yaml", ".yml", ".json")) if folder.is_dir() else []
    if not files:
        raise UsageError(f"no profile files (*.yaml, *.json) in {folder}")
    profiles = [(path.name, read_profile(str(path))) for path in files]
    with Recommender(load_ruleset(args.old)) as old, Recommender(load_ruleset(args.new)) as new:
        impact = preview(old, new, profiles, options)
    if args.json:
        _print_json(asdict(impact))
    else:
        sys.stdout.write(render_impact(impact, args.lang))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from trivsel.service.main import main as serve

    return serve(args.args)


def _remote(args: argparse.Namespace, command: str) -> RemoteBackend:
    """The server back end for commands that only make sense against a server."""
    if not args.server:
        raise UsageError(f"{command} needs --server HOST:PORT")
    return _server_backend(args)


def cmd_call(args: argparse.Namespace) -> int:
    import grpc

    from .reflection_call import call, list_methods

    with _remote(args, "call") as backend:
        try:
            if not args.method:
                print("\n".join(list_methods(backend.channel)))
                return EXIT_OK
            text = sys.stdin.read() if args.request == "-" else args.request
            metadata = (("authorization", f"Bearer {args.token}"),) if args.token else ()
            print(call(backend.channel, args.method, text, metadata, args.timeout))
        except grpc.RpcError as exc:
            raise CallError(exc.code(), exc.details() or "") from None  # as grpcurl: the code
    return EXIT_OK


def cmd_health(args: argparse.Namespace) -> int:
    from .local_server import local_client

    if args.local and args.server:
        raise UsageError("health: give --local or --server, not both")
    client = local_client(os.environ, args.timeout, args.pid) if args.local else _remote(args, "health").client
    with client:
        status = client.health()
    print(status)
    return EXIT_OK if status == "SERVING" else EXIT_PROBLEMS


def cmd_reload(args: argparse.Namespace) -> int:
    from trivsel.v1 import recommender_pb2 as pb

    with _remote(args, "reload") as backend:
        response = backend.reload()
    outcome = pb.ReloadOutcome.Name(response.outcome).removeprefix("RELOAD_OUTCOME_").lower()
    problems = [f"{p.file}:{p.line}:{p.column}: {p.severity}: {p.message}" +
                did_you_mean(p.suggestion) for p in response.problems]
    if args.json:
        _print_json({"outcome": outcome, "ruleset": {"id": response.ruleset.id, "version": response.ruleset.version,
                                                     "fingerprint": response.ruleset.fingerprint},
                     "problems": problems})
    else:
        for line in problems:
            print(escape(line))
        print(f"{outcome}: {response.ruleset.id} {response.ruleset.version} ({response.ruleset.fingerprint})")
    return EXIT_PROBLEMS if outcome == "refused" else EXIT_OK


def cmd_describe(args: argparse.Namespace) -> int:
    with _backend(args) as backend:
        description = backend.describe()
    if args.json:
        _print_json(description_to_dict(description))
    else:
        sys.stdout.write(render_description(description, args.lang))
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """The rule-file schema from the loader's own field lists (engine/file_schema.py)."""
    from trivsel.engine.file_schema import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_lint(args: argparse.Namespace) -> int:
    folder = args.folder or default_rules_folder()
    recommender, problems = build_recommender(folder)  # the server's own step: validate and compile
    ruleset = recommender.ruleset if recommender is not None else None
    if recommender is not None:
        recommender.close()
    errors = [p for p in problems if p.is_error]
    if args.json:
        _print_json({"folder": str(folder), "ok": not errors, "problems": [p.to_dict() for p in problems]})
    else:
        for problem in problems:
            print(escape(str(problem)))  # rule files are input: a control character in one shows as \x1b
        warnings = len(problems) - len(errors)
        summary = f"{folder}: {len(errors)} error(s), {warnings} warning(s)"
        if ruleset is not None:
            summary += f"; {len(ruleset.rules)} rules, version {ruleset.info.version} ({ruleset.info.fingerprint})"
        print(summary, file=sys.stderr if errors else sys.stdout)
    return EXIT_PROBLEMS if errors else EXIT_OK


def _fail(message: str, args: argparse.Namespace | None, details: list[dict[str, object]] | None = None) -> int:
    # profiles and rule files are input: every line escaped, the lines kept
    print("trivsel: " + "\n".join(escape(line) for line in message.split("\n")), file=sys.stderr)
    if args is not None and getattr(args, "json", False):
        _print_json({"error": message, "details": details or []})
    return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:  # every server flag as it is (argparse would take --address for its own)
        from trivsel.service.main import main as serve

        return serve(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except SurveyError as exc:  # trivsel org --instrument: located like score's
        write_problems(exc, getattr(exc, "path", "input"))
        return EXIT_BAD_INPUT
    except ProfileError as exc:
        lines = "\n  ".join(str(e) for e in exc.errors)
        return _fail(f"the profile was refused:\n  {lines}", args, [e.to_dict() for e in exc.errors])
    except RuleSetError as exc:
        return _fail(str(exc), args, [p.to_dict() for p in exc.errors])
    except UserError as exc:  # the caller's mistake, whatever kind; a bare ValueError is a bug and shows as one
        return _fail(str(exc), args)
    except CallError as exc:  # the server failed or refused access (input errors were caught above)
        print(f"trivsel: server: {exc.code.name}: {escape(exc.message)}", file=sys.stderr)
        return EXIT_SERVER
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
