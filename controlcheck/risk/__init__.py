"""The hardware risk register, inherent and residual risk, the Compliance Adherence
Index and treatment-plan requests (docs/risk-method.md)."""

from .assessment import assess, assess_results
from .cai import compute_cai
from .register import builtin_register_path, load_register
from .results import load_results
from .scoring import default_config
from .treatment import render_department, treatment_plans

__all__ = ["assess", "assess_results", "builtin_register_path", "compute_cai", "default_config", "load_register", "load_results",
           "render_department", "treatment_plans"]
