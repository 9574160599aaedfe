"""Every input gets a clear answer: a correct result, or one line naming the input and
what to do, with the documented exit status (README, "Exit status"). No tracebacks, no
silent nonsense, and an output folder never mixes two runs.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


from phylo.engine.files import read_tsv

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "fixtures" / "tiny"
HARBOR = ROOT / "fixtures" / "harbor-bridge"


def phylo(*args, cwd=ROOT, env=None):
    return subprocess.run([sys.executable, "-m", "phylo", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300, env=env)


def one_error_line(result, status: int, *needles: str) -> str:
    """The command failed with ``status`` and said so in one ERROR line holding ``needles``; no traceback."""
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


def tiny_list(tmp_path: Path, *extra: str) -> Path:
    lines = [str(p) for p in sorted((TINY / "pages").glob("*.html"))] + list(extra)
    path = tmp_path / "urls.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- silent nonsense

def test_stories_refuse_options_they_cannot_honour(tmp_path):
    result = phylo("run", tiny_list(tmp_path), "--stories", "--aligner", "mafft", "--out", tmp_path / "o")
    one_error_line(result, 2, "--stories", "--aligner mafft")


RUSSIAN = ("Мост через гавань закроют на ремонт в марте, сообщили в городском совете во вторник. "
           "По словам инженеров, опоры моста нуждаются в срочной замене, а движение транспорта "
           "будет перенаправлено через северную дамбу на шесть недель. Жители прибрежных районов "
           "опасаются пробок и просят открыть дополнительный паромный маршрут на время работ.")
RUSSIAN_OTHER = ("Футбольный клуб из соседнего города выиграл кубок области, обыграв соперников со "
                 "счётом три один. Болельщики встретили команду на вокзале песнями и флагами, а тренер "
                 "поблагодарил игроков за терпение и упорство в трудном сезоне, полном травм и неудач.")
CHINESE = ("港口大桥将于三月关闭维修，市议会周二宣布。工程师表示，桥墩急需更换，交通将改道北部堤坝六周。"
           "沿海地区的居民担心交通拥堵，并要求在施工期间开通一条临时渡轮航线。"
           "市长在新闻发布会上说，维修工程早已列入预算，不会影响明年的学校和医院建设计划。"
           "一位工程师补充说，桥梁建于五十年前，当时的设计没有考虑到今天的交通量和更强的风暴。"
           "商会代表则提醒，关闭期间港口货运可能受到影响，希望政府提前公布详细的绕行方案。"
           "议会将在下周举行听证会，听取居民和企业的意见，然后再确定最终的施工时间表和交通安排。"
           "许多通勤者表示，他们会改乘公共汽车或火车，但担心这些线路在高峰时段会变得更加拥挤。")


def write_articles(folder: Path, texts: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(f"{name} headline\n{text}\n", encoding="utf-8")
    (folder / "urls.txt").write_text("".join(f"{name}.txt\n" for name in texts), encoding="utf-8")
    return folder / "urls.txt"


def test_non_latin_articles_say_how_much_was_kept_and_can_be_transliterated(tmp_path):
    urls = write_articles(tmp_path / "ru", {"a": RUSSIAN, "b": RUSSIAN, "c": RUSSIAN_OTHER, "d": CHINESE})
    short = ["--set", "extract.min_chars=100"]  # short test articles, not teasers
    faithful = phylo("run", urls, "--out", tmp_path / "faithful", "--no-progress", *short)
    rows = {r["url"]: r for r in read_tsv(tmp_path / "faithful" / "articles.tsv")}
    assert float(rows["a.txt"]["kept"]) < 0.1  # spaces aside, only full stops and digits survive
    assert rows["d.txt"]["status"] == "not-encodable"  # nothing at all: left out, not aligned as empty DNA
    assert "--transliterate" in faithful.stderr and "keeps only" in faithful.stderr
    latin = phylo("run", urls, "--out", tmp_path / "latin", "--transliterate", "--no-progress", *short)
    assert latin.returncode == 0, latin.stderr
    rows = {r["url"]: r for r in read_tsv(tmp_path / "latin" / "articles.tsv")}
    assert all(float(r["kept"]) > 0.8 and r["status"] == "ok" for r in rows.values())
    labels = {r["url"]: r["label"] for r in rows.values()}
    dist = {(r[""], k): float(v) for r in read_tsv(tmp_path / "latin" / "distances.tsv") for k, v in r.items() if k}
    assert dist[labels["a.txt"], labels["b.txt"]] == 0.0  # the verbatim copy is identical
    assert dist[labels["a.txt"], labels["c.txt"]] > 0.5  # the other story is far away


def test_align_refuses_what_is_not_dna_writer_dna(tmp_path):
    cases = {
        "protein": ">a\nMKVLAAGIVGLLL\n>b\nMKVLAAGIVGLLA\n",
        "odd": ">a\nACTCATTCAA\n>b\nACTCATTCA\n",
        "empty": ">a\nACTCAT\n>b\n\n",
        "offtable": ">a\nAAACCCGGG\n>b\nAAACCCGGT\n",
        "noheader": "ACTCATTCA\nACTCAT\n",
    }
    needles = {"protein": "'M' at position 1", "odd": "not whole codons", "empty": "is empty",
               "offtable": "not in the DNA writer table", "noheader": "not FASTA"}
    for name, text in cases.items():
        path = tmp_path / f"{name}.fa"
        path.write_text(text)
        one_error_line(phylo("align", path, "--out", tmp_path / name), 2, needles[name])
    # whole nucleotides are fine when aligned as nucleotides; an empty record never is
    assert phylo("align", tmp_path / "odd.fa", "--unit", "nt", "--out", tmp_path / "nt").returncode == 0
    one_error_line(phylo("align", tmp_path / "empty.fa", "--unit", "nt", "--out", tmp_path / "e"), 2, "is empty")


def test_decode_refuses_non_dna_and_says_what_it_drops(tmp_path):
    one_error_line(subprocess.run([sys.executable, "-m", "phylo", "decode"], input="hello world\n",
                                  capture_output=True, text=True), 2, "DNA has only A, C, G and T")
    one_error_line(subprocess.run([sys.executable, "-m", "phylo", "decode"], input="", capture_output=True,
                                  text=True), 2, "no sequence")
    binary = tmp_path / "b.bin"
    binary.write_bytes(bytes(range(256)))
    one_error_line(phylo("decode", binary), 2, "not a text file")
    trailing = subprocess.run([sys.executable, "-m", "phylo", "decode"], input="ACTCATT\n", capture_output=True,
                              text=True)
    assert trailing.returncode == 0 and trailing.stdout.strip() == "AB"
    assert "last 1 nt are not a whole codon" in trailing.stderr


def test_compare_needs_shared_leaves_and_one_tree_per_file(tmp_path):
    files = {"a": "((a,b),(c,d));", "other": "((e,f),(g,h));", "dup": "((a,a),(c,d));",
             "two": "((a,b),(c,d));\n((a,c),(b,d));"}
    for name, text in files.items():
        (tmp_path / f"{name}.nwk").write_text(text + "\n")
    one_error_line(phylo("compare", tmp_path / "a.nwk", tmp_path / "other.nwk"), 2, "share 0 leaves")
    one_error_line(phylo("compare", tmp_path / "a.nwk", tmp_path / "dup.nwk"), 2, "'a' appears 2 times")
    one_error_line(phylo("compare", tmp_path / "a.nwk", tmp_path / "two.nwk"), 2, "holds 2 trees")


def matrix_file(path: Path, rows: list[list[str]], labels="abc") -> Path:
    lines = ["\t" + "\t".join(labels[:len(rows)])]
    lines += [labels[i] + "\t" + "\t".join(row) for i, row in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_tree_refuses_impossible_distances_and_handles_small_matrices(tmp_path):
    negative = matrix_file(tmp_path / "neg.tsv", [["0", "-1", "2"], ["-1", "0", "1"], ["2", "1", "0"]])
    one_error_line(phylo("tree", negative, "--method", "upgma"), 2, "-1.0", "finite numbers of 0 or more")
    infinite = matrix_file(tmp_path / "inf.tsv", [["0", "inf", "2"], ["inf", "0", "1"], ["2", "1", "0"]])
    one_error_line(phylo("tree", infinite), 2, "inf")
    one_error_line(phylo("tree", matrix_file(tmp_path / "one.tsv", [["0"]]), "--method", "upgma"), 2, "1 taxon")
    two = matrix_file(tmp_path / "two.tsv", [["0", "0.4"], ["0.4", "0"]])
    for method in ("nj", "upgma"):
        result = phylo("tree", two, "--method", method)
        assert result.returncode == 0 and result.stdout.strip() == "(a:0.2,b:0.2);", result.stderr
    binary = tmp_path / "bin.tsv"
    binary.write_bytes(bytes(range(128, 256)))
    one_error_line(phylo("tree", binary), 2, "not UTF-8")
    ok = matrix_file(tmp_path / "ok.tsv", [["0", "1", "2"], ["1", "0", "1"], ["2", "1", "0"]])
    one_error_line(phylo("tree", ok, "--out", "/proc/t.nwk"), 2, "cannot write")


def test_bad_run_flags_are_refused_before_anything_runs(tmp_path):
    urls = tiny_list(tmp_path)
    one_error_line(phylo("run", urls, "--timeout", "0", "--out", tmp_path / "t"), 2, "--timeout")
    one_error_line(phylo("run", urls, "--rate", "-1", "--out", tmp_path / "r"), 2, "--rate")
    assert not (tmp_path / "t" / "articles.tsv").exists()


# ---------------------------------------------------------------- tracebacks instead of a line

def test_a_malformed_url_or_an_unreadable_file_is_one_left_out_entry(tmp_path):
    urls = tiny_list(tmp_path, "http://[::1", "/proc/self/mem")  # /proc/self/mem: reading it fails, even as root
    result = phylo("run", urls, "--out", tmp_path / "o", "--no-progress")
    assert result.returncode == 0, result.stderr
    rows = {r["url"]: r for r in read_tsv(tmp_path / "o" / "articles.tsv")}
    assert rows["http://[::1"]["status"] == "bad-url" and rows["/proc/self/mem"]["status"] == "unreadable"
    extracted = phylo("extract", "http://[::1", "/proc/self/mem", TINY / "pages" / "t-root.html")
    assert extracted.returncode == 1 and "Traceback" not in extracted.stderr
    assert "not a valid URL" in extracted.stderr and "cannot read" in extracted.stderr
    assert extracted.stdout.strip()  # the good page still printed


def test_out_naming_a_file_is_refused(tmp_path):
    (tmp_path / "taken").write_text("mine\n")
    one_error_line(phylo("run", tiny_list(tmp_path), "--out", tmp_path / "taken"), 2, "is a file")
    assert (tmp_path / "taken").read_text() == "mine\n"


def test_sigterm_stops_like_ctrl_c(tmp_path, web):
    web.fault("/slow", "slow-first-byte", seconds=30)
    urls = tiny_list(tmp_path, web.url("/slow"))
    out = tmp_path / "o"
    proc = subprocess.Popen([sys.executable, "-m", "phylo", "run", urls, "--out", out, "--no-progress",
                             "--set", "fetch.read_timeout=60", "--set", "fetch.deadline=90"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not web.hits("/slow") and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert "stopped by SIGTERM" in err and "Traceback" not in err
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "interrupted"


def test_sigterm_removes_mafft_temporary_folders(tmp_path):
    from phylo.align.encoding import encode
    from phylo.sim.story import simulate_story, story_texts

    texts, _ = story_texts(simulate_story(12, seed=3, paragraphs=40))
    fasta = tmp_path / "long.fa"
    fasta.write_text("".join(f">{k}\n{encode(v)}\n" for k, v in texts.items()))
    temp = tmp_path / "temp"
    temp.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "phylo", "align", fasta, "--aligner", "mafft", "--out",
                             tmp_path / "o"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(temp)})
    deadline = time.monotonic() + 60
    while not list(temp.glob("phylo-mafft-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(temp.glob("phylo-mafft-*")), "mafft never started"
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert not list(temp.glob("phylo-mafft-*"))


# ---------------------------------------------------------------- one run's set per output folder

def test_a_failed_rerun_leaves_none_of_the_previous_results(tmp_path):
    out = tmp_path / "o"
    assert phylo("run", tiny_list(tmp_path), "--out", out, "--no-progress").returncode == 0
    assert (out / "tree.nwk").exists() and (out / "report.html").exists()
    short = tmp_path / "short.txt"
    short.write_text(f"{TINY / 'pages' / 't-root.html'}\n")
    failed = phylo("run", short, "--out", out, "--no-progress")
    one_error_line(failed, 1, "only 1 usable article")
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["articles.tsv", "run.json"]
    assert len(read_tsv(out / "articles.tsv")) == 1
    assert json.loads((out / "run.json").read_text())["status"] == "failed"


def test_a_native_rerun_removes_the_msa_of_a_mafft_run_and_keeps_the_users_files(tmp_path):
    out = tmp_path / "o"
    urls = tiny_list(tmp_path)
    assert phylo("run", urls, "--out", out, "--aligner", "mafft", "--no-progress").returncode == 0
    assert (out / "msa.fasta").exists()
    (out / "notes.txt").write_text("my notes\n")
    assert phylo("run", urls, "--out", out, "--no-progress").returncode == 0
    assert not (out / "msa.fasta").exists() and (out / "tree.nwk").exists()
    assert (out / "notes.txt").read_text() == "my notes\n"


def test_a_second_run_into_a_busy_folder_is_refused_naming_the_holder(tmp_path):
    from phylo.engine.lock import exclusive_lock

    out = tmp_path / "o"
    with exclusive_lock(out / ".phylo" / "lock", "test"):
        result = phylo("run", tiny_list(tmp_path), "--out", out, "--no-progress")
    one_error_line(result, 1, f"pid {os.getpid()}", str(out))
    assert not (out / "articles.tsv").exists()
