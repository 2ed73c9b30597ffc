"""Policies, the condition engine and waivers."""

from .engine import run_check
from .facts import load_facts
from .policy import Control, PolicySet, builtin_policy_dir, load_policies
from .waivers import Waiver, load_waivers

__all__ = ["Control", "PolicySet", "Waiver", "builtin_policy_dir", "load_facts", "load_policies",
           "load_waivers", "run_check"]
