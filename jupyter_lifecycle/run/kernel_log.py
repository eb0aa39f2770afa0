"""What the kernel's own log (its stderr, kept in a file) tells about a kernel that died."""

from __future__ import annotations

# lines of the kernel's log that say nothing about why it died (ipykernel's transport warning,
# one line, printed at every start)
_KERNEL_NOISE = ("running over TCP without encryption",)


def kernel_log_tail(log, limit: int = 2000) -> str | None:
    """The end of the kernel's own output (``log``, the file it wrote to), for the message about
    a kernel that died, without the lines every kernel start prints."""
    log.seek(0)
    kept = [line for line in log.read().splitlines()
            if not any(noise in line for noise in _KERNEL_NOISE)]
    return "\n".join(kept)[-limit:].strip() or None
