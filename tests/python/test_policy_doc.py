"""docs/writing-a-policy.md's Python Spillover (section 8) runs as printed and gives
the C++ spillover's results, byte for byte."""
import os
import re

import support  # noqa: F401
from support import SOURCE_DIR, check

with open(os.path.join(SOURCE_DIR, "docs", "writing-a-policy.md"), encoding="utf-8") as f:
    blocks = re.findall(r"^```python\n(.*?)^```", f.read(), flags=re.S | re.M)
check(len(blocks) == 1, f"expected section 8's one Python block, found {len(blocks)}")
os.chdir(SOURCE_DIR)
namespace = {"__name__": "__docs__"}
exec(compile(blocks[0], "docs/writing-a-policy.md", "exec"), namespace)  # noqa: S102 - our own docs
rcnsim = namespace["rcnsim"]
cpp = rcnsim.run(rcnsim.load("scenarios/regional/center-or-node.yaml"), policy="spillover")
check(namespace["result"].files["jobs.csv"] == cpp.files["jobs.csv"], "the Python Spillover differs from spillover")
print("section 8's Spillover = spillover")
