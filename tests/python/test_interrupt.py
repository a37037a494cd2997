"""A KeyboardInterrupt during rcnsim.run(output_dir=...) (Ctrl-C in a notebook) kills the
child and leaves neither results nor the child's <output_dir>.tmp-<pid> folder behind,
as `rcnsim run -o` leaves nothing when interrupted."""
import os
import signal
import subprocess
import sys
import tempfile
import time

import support  # noqa: F401
from support import SOURCE_DIR, check

work = tempfile.mkdtemp(prefix="rcnsim-py-interrupt-")
out = os.path.join(work, "keep")
# A regional day with a million requests: 10-20 s of simulation, so 3 s in is mid-run.
script = (
    "import rcnsim\n"
    f"s = rcnsim.load({os.path.join(SOURCE_DIR, 'sim', 'bench', 'regional-day.yaml')!r})\n"
    "print('loaded', flush=True)\n"
    "try:\n"
    f"    rcnsim.run(s, output_dir={out!r})\n"
    "except KeyboardInterrupt:\n"
    "    print('interrupted', flush=True)\n"
)
p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
check(p.stdout.readline().strip() == "loaded", "the scenario loads")
time.sleep(3.0)
p.send_signal(signal.SIGINT)
stdout, stderr = p.communicate(timeout=60)
check("interrupted" in stdout, f"KeyboardInterrupt reached the caller: {stdout!r} {stderr!r}")
left = os.listdir(work)
check(left == [], f"left behind: {left}")
os.rmdir(work)
print("KeyboardInterrupt: child killed, nothing left behind")
