"""Domain errors. Each message names the file or option at fault and says what to do."""


class DerivDetectError(Exception):
    """Base class: the CLI maps these to a one-line message and an exit code."""

    exit_code = 1


class InputError(DerivDetectError):
    """An input file or folder cannot be used (missing, unreadable, undecodable)."""

    exit_code = 2


class ConfigError(DerivDetectError):
    """An option or TOML setting is invalid."""

    exit_code = 2


class MissingDependencyError(DerivDetectError):
    """An optional dependency is needed for this input; the message gives the pip command."""

    exit_code = 2


def require(module: str, extra: str, purpose: str):
    """Import an optional dependency lazily, or fail with the exact install command."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(
            f"{purpose} needs the '{module}' package; install it with: "
            f"pip install 'derivdetect[{extra}]'"
        ) from exc


class OutputError(DerivDetectError):
    """The output folder cannot be used: not derivdetect's, the scanned folder, unwritable."""

    exit_code = 2


class OutputBusyError(OutputError):
    """Another scan holds the output folder's lock: try again later (``EX_TEMPFAIL``), so a
    cron job can tell a skipped run from a broken one."""

    exit_code = 75
