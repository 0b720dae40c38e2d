"""``trivsel``: recommendations, descriptions and rule checks from the terminal.

Exit codes: 0 success; 1 a check found problems (``lint``); 2 bad input — an unreadable or
invalid profile, a broken rule set, bad arguments — with the message on standard error.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Callable, Sequence

from engine import Options, ProfileError, RuleSetError, check_ruleset
from engine.description import description_to_dict

from .backend import Backend, EmbeddedBackend
from .paths import default_rules_folder
from .profiles import InputError, read_profile
from .render import profile_heading, render_description, render_result

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(Exception):
    """Bad input detected by the CLI itself (exit 2)."""


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", metavar="DIR", help="rules folder (default: $TRIVSEL_RULES or the bundled rules)")
    p.add_argument("--lang", choices=("da", "en"), default="en", help="language of texts (default: en)")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trivsel", description="Rule-based recommendations for the "
                                     "psychosocial work environment.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("recommend", help="ranked interventions for one department profile")
    p.add_argument("profile", help="profile file (YAML or JSON), or - for standard input")
    p.add_argument("--top", type=int, metavar="N", help="how many interventions (default: the rule set's, 5)")
    _add_engine_options(p)
    p.set_defaults(handler=cmd_recommend)

    p = sub.add_parser("describe", help="the rule set's dimensions and interventions")
    _add_engine_options(p)
    p.set_defaults(handler=cmd_describe)

    p = sub.add_parser("lint", help="check a rules folder and list every problem")
    p.add_argument("folder", nargs="?", help="rules folder (default: the bundled rules)")
    p.add_argument("--json", action="store_true", help="print the problems as JSON")
    p.set_defaults(handler=cmd_lint)
    return parser


def _backend(args: argparse.Namespace) -> Backend:
    return EmbeddedBackend(args.rules or default_rules_folder())


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
    backend = _backend(args)
    try:
        result = backend.recommend(profile, options)
    finally:
        backend.close()
    if args.json:
        _print_json(result.to_dict())
    else:
        sys.stdout.write(render_result(result, profile_heading(profile, args.lang)))
    return EXIT_OK


def cmd_describe(args: argparse.Namespace) -> int:
    backend = _backend(args)
    try:
        description = backend.describe()
    finally:
        backend.close()
    if args.json:
        _print_json(description_to_dict(description))
    else:
        sys.stdout.write(render_description(description, args.lang))
    return EXIT_OK


def cmd_lint(args: argparse.Namespace) -> int:
    folder = args.folder or default_rules_folder()
    ruleset, problems = check_ruleset(folder)
    errors = [p for p in problems if p.is_error]
    if args.json:
        _print_json({"folder": str(folder), "ok": not errors, "problems": [p.to_dict() for p in problems]})
    else:
        for problem in problems:
            print(problem)
        warnings = len(problems) - len(errors)
        summary = f"{folder}: {len(errors)} error(s), {warnings} warning(s)"
        if ruleset is not None:
            summary += f"; {len(ruleset.rules)} rules, version {ruleset.info.version} ({ruleset.info.fingerprint})"
        print(summary, file=sys.stderr if errors else sys.stdout)
    return EXIT_PROBLEMS if errors else EXIT_OK


def _fail(message: str, args: argparse.Namespace | None, details: list[dict] | None = None) -> int:
    print(f"trivsel: {message}", file=sys.stderr)
    if args is not None and getattr(args, "json", False):
        _print_json({"error": message, "details": details or []})
    return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ProfileError as exc:
        lines = "\n  ".join(str(e) for e in exc.errors)
        return _fail(f"the profile was refused:\n  {lines}", args, [e.to_dict() for e in exc.errors])
    except RuleSetError as exc:
        return _fail(str(exc), args, [p.to_dict() for p in exc.errors])
    except (InputError, UsageError, ValueError) as exc:
        return _fail(str(exc), args)
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
