"""docs/python.md's Python blocks run, in order, in one namespace, from the source
folder (as a reader pastes them into a notebook), and the worked example draws its figure."""
import os
import re

import support  # noqa: F401
from support import SOURCE_DIR, check

with open(os.path.join(SOURCE_DIR, "docs", "python.md"), encoding="utf-8") as f:
    blocks = re.findall(r"^```python\n(.*?)^```", f.read(), flags=re.S | re.M)
check(len(blocks) >= 3, f"expected the page's Python blocks, found {len(blocks)}")
os.chdir(SOURCE_DIR)
namespace = {"__name__": "__docs__"}
for i, block in enumerate(blocks):
    exec(compile(block, f"docs/python.md block {i}", "exec"), namespace)  # noqa: S102 - our own docs
figure = namespace["figure_path"]
check(os.path.getsize(figure) > 10_000, f"{figure} is not a drawn figure")
summary = namespace["summary"]
check(sorted(summary.index) == ["fifo", "nodes-first"], f"policies: {list(summary.index)}")
check(((summary.slo_attainment >= 0) & (summary.slo_attainment <= 1)).all(), "SLO attainment in [0, 1]")
check((summary.mean_wait_h >= 0).all(), "waits")
os.remove(figure)
os.rmdir(os.path.dirname(figure))
print(summary)
