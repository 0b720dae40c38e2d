"""Trivsel's engine: load a rule set, evaluate a department profile, explain the answer.

A library with no gRPC in it; the CLI's embedded mode and the server both call exactly this.
"""

from .build import build_recommender
from .durable_adapter import MatchError
from .loader import check_ruleset, load_ruleset
from .model import RuleSet
from .problems import Problem, RuleSetError
from .profile import Department, FieldError, Profile, ProfileError, profile_from_dict
from .recommender import Options, Recommender
from .result import Result

__all__ = ["build_recommender", "MatchError", "load_ruleset", "check_ruleset", "RuleSet", "RuleSetError", "Problem",
           "Profile", "Department", "ProfileError", "FieldError", "profile_from_dict", "Options", "Recommender",
           "Result"]
