"""The screenshot of the explorer in docs/ and the README, taken in headless Chromium.

    python scripts/screenshot.py out/harbor-bridge/report.html docs/report.png

Opens the report (after ``phylo run fixtures/harbor-bridge/urls.txt --out out/harbor-bridge``),
hovers the widest arrow (the most text taken) so its tooltip shows, and saves the window as a 256-colour PNG (small
enough to keep in the repository).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import chromium  # noqa: E402


def main(report: str, png: str) -> None:
    from PIL import Image
    from selenium.webdriver.common.action_chains import ActionChains

    with chromium(1500, 1050) as driver:
        driver.get(Path(report).resolve().as_uri())
        for _ in range(200):
            if driver.execute_script("return document.body.dataset.ready"):
                break
            time.sleep(0.05)
        # hover the widest arrow, so its tooltip shows
        x, y = driver.execute_script("""
            for (const view of Bokeh.index) {
              const e = view.model.document.get_model_by_name('lineage-edges');
              if (!e) continue;
              const i = e.data.width.indexOf(Math.max(...e.data.width.slice(1)));
              const k = Math.floor(e.data.xs[i].length / 2);
              return window.phyloExplorer.screenPoint('lineage', e.data.xs[i][k], e.data.ys[i][k]);
            }""")
        actions = ActionChains(driver)
        actions.w3c_actions.pointer_action.move_to_location(int(x), int(y))
        actions.perform()
        time.sleep(0.8)
        raw = Path(png).with_suffix(".raw.png")
        driver.save_screenshot(str(raw))
    Image.open(raw).convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE, kmeans=3).save(png, optimize=True)
    raw.unlink()
    print(f"{png}: {Path(png).stat().st_size // 1024} KB")


if __name__ == "__main__":
    main(*sys.argv[1:3])
