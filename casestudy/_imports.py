"""Third-party imports the package makes for its users, kept from costing them seconds."""

from __future__ import annotations

import sys


def skip_iri_grammar() -> None:
    """Mark rfc3987-syntax absent, so that jsonschema leaves out its "iri" format checker.

    jsonschema (under frictionless and nbformat) imports rfc3987-syntax when it is installed,
    which compiles a grammar for 1.3 s at import, only to check "iri" formats that neither a
    data package schema of the project nor a notebook uses. Marked absent, jsonschema works
    as it does where the package is not installed. Call before jsonschema is imported; once
    it has been, nothing changes.

    >>> skip_iri_grammar()
    >>> "rfc3987_syntax" in sys.modules
    True
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
