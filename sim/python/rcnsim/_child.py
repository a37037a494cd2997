"""Running work in a forked child process.

SimGrid allows one engine per process, so every simulation runs in a child
forked from the caller: the child inherits the loaded scenario and the
registered Python policies, runs, and sends back a pickled answer over a pipe.
The parent reads until the pipe closes, so a child that dies (a signal, an
abort) ends the wait at once and becomes a SimulationError, never a hang.
"""
import os
import pickle
import signal
import sys
import traceback

from . import _core


def _describe_exit(status):
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"was killed by signal {name}"
    return f"exited with status {os.WEXITSTATUS(status)}"


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, ValueError, OSError):
            pass


def _error_payload(exc):
    return ("error", type(exc).__name__, str(exc), traceback.format_exc())


_ERRORS = {
    "SimulationError": _core.SimulationError,
    "PolicyError": _core.PolicyError,
    "OutputDirError": _core.OutputDirError,
}


def raise_child_error(kind, message, trace):
    """Re-raises in the parent an exception the child reported."""
    cls = _ERRORS.get(kind)
    if cls is not None:
        raise cls(message)
    raise _core.SimulationError(f"the simulation process raised {kind}: {message}\n{trace}")


def call_in_child(fn, on_killed=None):
    """Runs fn() in a forked child and returns its (picklable) result. on_killed(), if given,
    runs after the child was killed for a KeyboardInterrupt (to clean up what it left)."""
    _flush()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        code = 0
        try:
            os.close(read_end)
            try:
                payload = ("ok", fn())
            except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
                payload = _error_payload(exc)
            data = pickle.dumps(payload)
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
        except BaseException:  # noqa: BLE001
            code = 70
        finally:
            _flush()
            os._exit(code)
    os.close(write_end)
    chunks = []
    try:
        with os.fdopen(read_end, "rb") as inp:
            while True:
                chunk = inp.read(1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    except BaseException:  # KeyboardInterrupt in a notebook: stop the child too, leave no zombie
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        if on_killed is not None:
            on_killed()
        raise
    _, status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    if not data:
        raise _core.SimulationError(f"the simulation process {_describe_exit(status)} before it answered")
    payload = pickle.loads(data)
    if payload[0] == "ok":
        return payload[1]
    raise_child_error(*payload[1:])
