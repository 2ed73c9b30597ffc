"""controlcheck: policy-as-code compliance and control checker for contact-centre hardware."""

__version__ = "0.1.0"
