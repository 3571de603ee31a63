#!/usr/bin/env python3
"""Compare storyhash's copy tier with three Python MinHash-LSH peers on one labelled dump.

Peers: datasketch, rensa, gaoya.  Every tool runs end to end in its own child process
(read the JSONL, parse, tokenize, shingle, MinHash, LSH, verify candidates, union-find,
write one ``id<TAB>cluster`` line per document), so wall time and peak memory are per tool.
One scorer then computes pairwise precision and recall against the dump's true copy groups
(``copy_of`` if not null, else the document's own id).

Driver (what ``run.sh`` calls)::

    python peers.py DUMP [--tools storyhash,datasketch,rensa,gaoya] [--threads 2[,1]]
                         [--repeat N] [--json FILE] [--storyhash-bin PATH]
                         [--storyhash-args "..."]

Worker mode (spawned by the driver, one per tool and thread count)::

    python peers.py --run-tool TOOL --dump DUMP --threads N --out FILE --stats FILE

Shared parameters: 128 hashes (126 for rensa and gaoya, whose LSH needs
hashes = bands x rows), word 5-grams over ``re.findall(r"\\w+", text.lower())`` (a document
with fewer than 5 tokens is one shingle of all its tokens), LSH 42 bands x 3 rows, and a
candidate pair is kept when the tool's own MinHash Jaccard estimate is >= 0.6.
See README.md for the caveats.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

NUM_PERM = 128
NGRAM = 5
BANDS = 42
ROWS = 3
THRESHOLD = 0.6
CHUNK_BYTES = 4 << 20  # byte range handed to one signature task
GAOYA_BATCH = 8192  # documents per gaoya bulk insert / bulk query call

PY_TOOLS = ("datasketch", "rensa", "gaoya")
DEFAULT_TOOLS = ("storyhash",) + PY_TOOLS
# Optional: storyhash with the peers' decision rule (Jaccard only, no boilerplate removal).
STORYHASH_PLAIN_ARGS = ["--no-containment", "--no-boilerplate"]
ALL_TOOLS = DEFAULT_TOOLS + ("storyhash-plain",)
HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

# --------------------------------------------------------------------------------------
# Shared tokenizer (datasketch and rensa; gaoya uses its own Rust tokenizer, see README)
# --------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


def shingles(text: str) -> list[str]:
    """Distinct word 5-grams of the lowercased text, joined by one space."""
    tokens = _WORD.findall(text.lower())
    if len(tokens) < NGRAM:
        # Fewer than n tokens: the whole token list is one shingle ("" when there are none,
        # so that every tool gets a non-empty set).
        return [" ".join(tokens)]
    return list({" ".join(tokens[i : i + NGRAM]) for i in range(len(tokens) - NGRAM + 1)})


def chunk_ranges(path: str, chunk: int = CHUNK_BYTES) -> list[tuple[int, int]]:
    """Byte ranges of about `chunk` bytes that start and end on line boundaries."""
    size = os.path.getsize(path)
    bounds = [0]
    with open(path, "rb") as f:
        pos = chunk
        while pos < size:
            f.seek(pos)
            f.readline()
            pos = f.tell()
            if pos >= size:
                break
            bounds.append(pos)
            pos += chunk
    bounds.append(size)
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def read_docs(path: str, start: int, end: int) -> tuple[list[str], list[str]]:
    """(ids, texts) of the JSONL lines in [start, end)."""
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read(end - start)
    ids, texts = [], []
    loads = json.loads
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        doc = loads(line)
        ids.append(str(doc["id"]))
        texts.append(doc.get("text") or "")
    return ids, texts


# --------------------------------------------------------------------------------------
# Signature tasks (run in worker processes, or inline with --threads 1)
# --------------------------------------------------------------------------------------


def _worker_init() -> None:
    # Each worker process is one "thread" of the tool: keep Rust libraries single-threaded.
    os.environ["RAYON_NUM_THREADS"] = "1"


def datasketch_task(args: tuple[str, int, int]):
    from datasketch import MinHash
    import numpy as np

    path, start, end = args
    t0 = time.perf_counter()
    ids, texts = read_docs(path, start, end)
    t1 = time.perf_counter()
    sets = [[s.encode("utf-8") for s in shingles(t)] for t in texts]
    t2 = time.perf_counter()
    # MinHash.generator: datasketch's bulk API (copies one initialised MinHash per set,
    # then update_batch with the default sha1_hash32 and the default "affine32" scheme).
    sig = np.empty((len(ids), NUM_PERM), dtype=np.uint32)
    for i, m in enumerate(MinHash.generator(sets, num_perm=NUM_PERM)):
        sig[i] = m.hashvalues
    t3 = time.perf_counter()
    return ids, sig, (t1 - t0, t2 - t1, t3 - t2)


RENSA_PERM = BANDS * ROWS  # 126: RMinHashLSH requires num_perm % num_bands == 0
RENSA_SEED = 42


def rensa_task(args: tuple[str, int, int]):
    from rensa import RMinHash

    path, start, end = args
    t0 = time.perf_counter()
    ids, texts = read_docs(path, start, end)
    t1 = time.perf_counter()
    sets = [shingles(t) for t in texts]
    t2 = time.perf_counter()
    mhs = RMinHash.from_token_sets(sets, RENSA_PERM, RENSA_SEED)
    t3 = time.perf_counter()
    return ids, mhs, (t1 - t0, t2 - t1, t3 - t2)


def _signature_chunks(task, dump: str, threads: int):
    """Yields task results in file order, computed by `threads` worker processes."""
    ranges = [(dump, a, b) for a, b in chunk_ranges(dump)]
    if threads <= 1:
        for r in ranges:
            yield task(r)
        return
    import multiprocessing as mp

    # fork: the parent has not started any Rust thread pool yet; workers need no state.
    ctx = mp.get_context("fork")
    with ctx.Pool(threads, initializer=_worker_init) as pool:
        yield from pool.imap(task, ranges, chunksize=1)


# --------------------------------------------------------------------------------------
# Union-find and output
# --------------------------------------------------------------------------------------


class UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return True


def write_clusters(out: str, ids: list[str], uf: UnionFind) -> None:
    with open(out, "w", encoding="utf-8") as f:
        f.writelines(f"{doc}\t{ids[uf.find(i)]}\n" for i, doc in enumerate(ids))


# --------------------------------------------------------------------------------------
# Tools
# --------------------------------------------------------------------------------------


def run_datasketch(dump: str, threads: int, out: str) -> dict:
    from datasketch import LeanMinHash, MinHashLSH

    t0 = time.perf_counter()
    lsh = MinHashLSH(num_perm=NUM_PERM, params=(BANDS, ROWS))  # threshold ignored with params
    ids: list[str] = []
    mhs: list = []
    worker = [0.0, 0.0, 0.0]  # seconds spent in signature tasks: read+parse, shingle, MinHash
    with lsh.insertion_session() as session:
        for chunk_ids, sig, spent in _signature_chunks(datasketch_task, dump, threads):
            worker = [a + b for a, b in zip(worker, spent)]
            for row in sig:
                m = LeanMinHash(seed=1, hashvalues=row, scheme="affine32")
                session.insert(len(mhs), m, check_duplication=False)
                mhs.append(m)
            ids.extend(chunk_ids)
    return _verify_and_write(out, ids, mhs, lambda: (lsh.query(m) for m in mhs), NUM_PERM,
                             t0, worker)


def _verify_and_write(out: str, ids: list, mhs: list, neighbours, num_perm: int, t0: float,
                      worker: list) -> dict:
    """Verify each LSH candidate by the sketches' own Jaccard estimate, union-find the
    verified pairs, write the clusters, and return the timings. `neighbours()` yields,
    for each document in order, the indices LSH returns for it (called after the clock
    for signing and insertion stops, so querying counts as verification time)."""
    t1 = time.perf_counter()
    uf = UnionFind(len(ids))
    candidates = verified = 0
    for i, found in enumerate(neighbours()):
        m = mhs[i]
        for j in found:
            if j > i:
                candidates += 1
                if m.jaccard(mhs[j]) >= THRESHOLD:
                    verified += 1
                    uf.union(i, j)
    t2 = time.perf_counter()
    write_clusters(out, ids, uf)
    t3 = time.perf_counter()
    return {
        "docs": len(ids),
        "num_perm": num_perm,
        "candidate_pairs": candidates,
        "verified_pairs": verified,
        "t_sign_insert": t1 - t0,
        "t_query_verify": t2 - t1,
        "t_write": t3 - t2,
        "task_s_read_parse": worker[0],
        "task_s_shingle": worker[1],
        "task_s_minhash": worker[2],
    }


def run_rensa(dump: str, threads: int, out: str) -> dict:
    from rensa import RMinHashLSH

    t0 = time.perf_counter()
    lsh = RMinHashLSH(THRESHOLD, RENSA_PERM, BANDS)
    ids: list[str] = []
    mhs: list = []
    worker = [0.0, 0.0, 0.0]  # seconds spent in signature tasks: read+parse, shingle, MinHash
    for chunk_ids, chunk_mhs, spent in _signature_chunks(rensa_task, dump, threads):
        worker = [a + b for a, b in zip(worker, spent)]
        lsh.insert_many(chunk_mhs, len(mhs))  # keys start_key + offset
        mhs.extend(chunk_mhs)
        ids.extend(chunk_ids)
    return _verify_and_write(out, ids, mhs, lambda: lsh.query_all(mhs), RENSA_PERM, t0, worker)


def run_gaoya(dump: str, threads: int, out: str) -> dict:
    # RAYON_NUM_THREADS is set by the driver before this process starts.
    from gaoya.minhash import MinHashStringIndex

    t0 = time.perf_counter()
    # Built-in Rust analyzer: word 5-grams of the lowercased text; signature length is
    # num_bands * band_size = 126; query() returns only ids whose estimated Jaccard with
    # the query is >= jaccard_threshold (gaoya verifies inside the index and exposes no
    # signatures, so its own verification is used).
    index = MinHashStringIndex(
        hash_size=32,
        jaccard_threshold=THRESHOLD,
        num_bands=BANDS,
        band_size=ROWS,
        analyzer="word",
        lowercase=True,
        ngram_range=(NGRAM, NGRAM),
        id_container="vec",  # no removals
    )
    ids: list[str] = []
    pairs: list[tuple[int, int]] = []
    t_insert = t_query = 0.0
    for start, end in chunk_ranges(dump, CHUNK_BYTES * 4):
        chunk_ids, texts = read_docs(dump, start, end)
        for b in range(0, len(texts), GAOYA_BATCH):
            batch = texts[b : b + GAOYA_BATCH]
            keys = list(range(len(ids), len(ids) + len(batch)))
            ids.extend(chunk_ids[b : b + GAOYA_BATCH])
            ta = time.perf_counter()
            index.par_bulk_insert_docs(keys, batch)
            tb = time.perf_counter()
            # Insert first, then query the same batch: every pair (i < j) is found when
            # j's batch is queried, so texts need not be kept for a second pass.
            found = index.par_bulk_query(batch)
            t_insert += tb - ta
            t_query += time.perf_counter() - tb
            for key, hits in zip(keys, found):
                for j in hits:
                    if j < key:
                        pairs.append((j, key))
    t1 = time.perf_counter()
    uf = UnionFind(len(ids))
    for a, b in pairs:
        uf.union(a, b)
    t2 = time.perf_counter()
    write_clusters(out, ids, uf)
    t3 = time.perf_counter()
    return {
        "docs": len(ids),
        "num_perm": BANDS * ROWS,
        "candidate_pairs": None,  # not exposed by gaoya
        "verified_pairs": len(pairs),
        "t_read_parse": (t1 - t0) - t_insert - t_query,
        "t_sign_insert": t_insert,
        "t_query_verify": t_query,
        "t_union_write": t3 - t1,
    }


TOOL_FUNCS = {"datasketch": run_datasketch, "rensa": run_rensa, "gaoya": run_gaoya}


def worker_main(args: argparse.Namespace) -> None:
    stats = TOOL_FUNCS[args.run_tool](args.dump, args.threads, args.out)
    with open(args.stats, "w", encoding="utf-8") as f:
        json.dump(stats, f)


# --------------------------------------------------------------------------------------
# Driver: spawn, time, sample memory, score, print
# --------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids.extend(int(x) for x in f.read().split())
    except OSError:
        pass
    return kids


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeRssSampler(threading.Thread):
    """Peak of the summed RSS of a process and all its descendants, sampled every 50 ms."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kb = pid, interval, 0
        self.stop = threading.Event()

    def run(self) -> None:
        if not os.path.isdir("/proc"):
            return
        while not self.stop.is_set():
            total, todo, seen = 0, [self.pid], set()
            while todo:
                p = todo.pop()
                if p in seen:
                    continue
                seen.add(p)
                total += _rss_kb(p)
                todo.extend(_children(p))
            self.peak_kb = max(self.peak_kb, total)
            self.stop.wait(self.interval)


def timed_run(cmd: list[str], env: dict, stdout=None) -> tuple[float, float, int]:
    """Runs cmd; returns (wall seconds, peak tree RSS MB, exit status)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=stdout)
    sampler = TreeRssSampler(proc.pid)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    sampler.stop.set()
    sampler.join()
    # ru_maxrss (KiB on Linux) is exact for the process itself (and the largest of its
    # waited-for children); the sampler adds up the tree (parent + worker processes).
    peak_mb = max(usage.ru_maxrss, sampler.peak_kb) * 1024 / 1e6
    return seconds, peak_mb, proc.returncode


def storyhash_bin(explicit: str | None) -> str:
    if explicit:
        return explicit
    target = os.environ.get("CARGO_TARGET_DIR") or str(REPO / "target")
    return str(Path(target) / "release" / "storyhash")


def run_storyhash(args, tool: str, threads: int, tmp: str) -> tuple[dict, dict]:
    raw = os.path.join(tmp, f"{tool}-t{threads}.jsonl")
    cmd = [
        storyhash_bin(args.storyhash_bin), "cluster", args.dump, "--no-stories", "--quiet",
        "--threads", str(threads), "--num-hashes", str(NUM_PERM), "--ngram", str(NGRAM),
        "--bands", str(BANDS), "--rows", str(ROWS), "--threshold", str(THRESHOLD),
        "-o", raw,
    ]
    if tool == "storyhash-plain":
        cmd += STORYHASH_PLAIN_ARGS
    cmd += shlex.split(args.storyhash_args)
    seconds, peak_mb, code = timed_run(cmd, dict(os.environ))
    if code != 0:
        raise SystemExit(f"storyhash exited with {code}: {shlex.join(cmd)}")
    pred, statuses = {}, Counter()
    with open(raw, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            statuses[rec["status"]] += 1
            # A rejected document has no copy cluster: it is a singleton.
            pred[rec["id"]] = rec.get("copy_cluster") or ("rejected:" + rec["id"])
    os.remove(raw)
    stats = {"num_perm": NUM_PERM, "statuses": dict(statuses), "command": shlex.join(cmd)}
    return {"seconds": seconds, "peak_rss_mb": peak_mb, **stats}, pred


def run_python_tool(args, tool: str, threads: int, tmp: str) -> tuple[dict, dict]:
    out = os.path.join(tmp, f"{tool}-t{threads}.tsv")
    stats_path = out + ".stats.json"
    cmd = [
        sys.executable, str(Path(__file__).resolve()), "--run-tool", tool, "--dump", args.dump,
        "--threads", str(threads), "--out", out, "--stats", stats_path,
    ]
    env = dict(os.environ)
    # Rust peers: gaoya runs rayon in this process; rensa's parent process (LSH build and
    # query) may too, while its signature workers are pinned to 1 thread each.
    env["RAYON_NUM_THREADS"] = str(threads)
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    seconds, peak_mb, code = timed_run(cmd, env)
    if code != 0:
        raise SystemExit(f"{tool} exited with {code}: {shlex.join(cmd)}")
    with open(stats_path, encoding="utf-8") as f:
        stats = json.load(f)
    pred = {}
    with open(out, encoding="utf-8") as f:
        for line in f:
            doc, cluster = line.rstrip("\n").split("\t")
            pred[doc] = cluster
    os.remove(out)
    os.remove(stats_path)
    return {"seconds": seconds, "peak_rss_mb": peak_mb, **stats}, pred


def load_truth(dump: str) -> dict[str, str]:
    truth = {}
    with open(dump, "rb") as f:
        for line in f:
            if line.strip():
                doc = json.loads(line)
                truth[str(doc["id"])] = doc.get("copy_of") or str(doc["id"])
    return truth


def pairwise_scores(pred: dict[str, str], truth: dict[str, str]) -> dict:
    """Pairwise precision/recall from contingency counts; missing predictions are singletons."""

    def pairs(counts) -> int:
        return sum(c * (c - 1) // 2 for c in counts)

    joint, pred_sizes = Counter(), Counter()
    for doc, group in truth.items():
        cluster = pred.get(doc, "missing:" + doc)
        joint[(cluster, group)] += 1
        pred_sizes[cluster] += 1
    tp = pairs(joint.values())
    pred_pairs = pairs(pred_sizes.values())
    true_pairs = pairs(Counter(truth.values()).values())
    return {
        "true_pairs": true_pairs,
        "predicted_pairs": pred_pairs,
        "correct_pairs": tp,
        "precision": tp / pred_pairs if pred_pairs else 1.0,
        "recall": tp / true_pairs if true_pairs else 1.0,
        "missing_docs": sum(1 for d in truth if d not in pred),
    }


def versions() -> dict:
    import importlib.metadata as md

    out = {"python": sys.version.split()[0]}
    for pkg in ("datasketch", "rensa", "gaoya", "numpy", "scipy"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def render_table(rows: list[dict]) -> str:
    sh = {r["threads"]: r["mb_per_s"] for r in rows if r["tool"] == "storyhash"}
    head = ("| tool | threads | seconds | docs/s | MB/s | peak RSS MB | precision | recall "
            "| storyhash is N x faster |")
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r["tool"] == "storyhash":
            ratio = "1.0 (itself)"
        elif r["threads"] in sh and r["mb_per_s"] > 0:
            ratio = f"{sh[r['threads']] / r['mb_per_s']:.1f}"
        else:
            ratio = "n/a"
        lines.append(
            f"| {r['tool']} | {r['threads']} | {r['seconds']:.2f} | {r['docs_per_s']:,.0f} "
            f"| {r['mb_per_s']:.2f} | {r['peak_rss_mb']:.0f} | {r['precision']:.4f} "
            f"| {r['recall']:.4f} | {ratio} |"
        )
    return "\n".join(lines)


def driver_main(args: argparse.Namespace) -> None:
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    for t in tools:
        if t not in ALL_TOOLS:
            raise SystemExit(f"unknown tool {t!r}; choose from {', '.join(ALL_TOOLS)}")
    thread_counts = [int(x) for x in args.threads.split(",") if x.strip()]
    dump = args.dump
    size = os.path.getsize(dump)
    truth = load_truth(dump)
    n_docs = len(truth)
    print(f"dump: {dump}: {size / 1e6:.1f} MB, {n_docs:,} documents, "
          f"{sum(1 for d, g in truth.items() if d != g):,} labelled near-copies", file=sys.stderr)
    # Warm the page cache so that no tool pays for the first read from disk.
    with open(dump, "rb") as f:
        while f.read(1 << 24):
            pass
    repeat = max(1, args.repeat)
    best: dict[tuple[str, int], dict] = {}
    order = [(threads, tool) for threads in thread_counts for tool in tools]
    with tempfile.TemporaryDirectory(prefix="storyhash-peers-") as tmp:
        # With --repeat N, N rounds each run every tool at every thread count
        # once, interleaved, and each keeps its fastest round: a slow spell of
        # the machine then costs every tool a round instead of deciding one
        # tool's ratio to another.
        for round_index in range(repeat):
            for threads, tool in order:
                label = f" (round {round_index + 1} of {repeat})" if repeat > 1 else ""
                print(f"running {tool} --threads {threads}{label} ...", file=sys.stderr,
                      flush=True)
                load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
                if load is not None and load > 0.5:
                    print(f"  warning: 1-minute load average is {load:.2f}: other work on this "
                          "machine will slow this run", file=sys.stderr)
                if tool.startswith("storyhash"):
                    row, pred = run_storyhash(args, tool, threads, tmp)
                else:
                    row, pred = run_python_tool(args, tool, threads, tmp)
                row.update(pairwise_scores(pred, truth))
                if "docs" in row:  # as counted by the tool itself
                    row["docs_seen"] = row.pop("docs")
                row = {
                    "tool": tool, "threads": threads, "bytes": size, "docs": n_docs,
                    "docs_per_s": n_docs / row["seconds"],
                    "mb_per_s": size / row["seconds"] / 1e6, **row,
                    # 1-minute load average just before the run: other work on the machine
                    # skews the timings when it is well above 0.
                    "loadavg_1m_before": load,
                }
                print(f"  {row['seconds']:.2f} s, {row['mb_per_s']:.2f} MB/s, "
                      f"peak RSS {row['peak_rss_mb']:.0f} MB, P={row['precision']:.4f} "
                      f"R={row['recall']:.4f}", file=sys.stderr, flush=True)
                key = (tool, threads)
                rounds = best.get(key, {}).get("round_seconds", []) + [row["seconds"]]
                if key not in best or row["seconds"] < best[key]["seconds"]:
                    best[key] = row
                best[key]["round_seconds"] = rounds
    rows = [best[(tool, threads)] for threads, tool in order]
    print(render_table(rows))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({
                "dump": os.path.basename(dump), "bytes": size, "docs": n_docs,
                "cpus": os.cpu_count(), "versions": versions(),
                "repeat": max(1, args.repeat),
                "params": {"num_perm": NUM_PERM, "ngram": NGRAM, "bands": BANDS, "rows": ROWS,
                           "threshold": THRESHOLD},
                "rows": rows,
            }, f, indent=2)
            f.write("\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dump", nargs="?", help="labelled JSONL dump (id, text, copy_of)")
    p.add_argument("--dump", dest="dump_opt", help=argparse.SUPPRESS)
    p.add_argument("--tools", default=",".join(DEFAULT_TOOLS),
                   help="comma list of " + ", ".join(ALL_TOOLS) + " (default: the first four)")
    p.add_argument("--threads", default="2", help="comma list of thread counts (default: 2)")
    p.add_argument("--json", help="also write the rows to this JSON file")
    p.add_argument("--repeat", type=int, default=1,
                   help="rounds; each tool's fastest round is reported (default: 1)")
    p.add_argument("--storyhash-bin", help="storyhash binary (default: target/release/storyhash)")
    p.add_argument("--storyhash-args", default="", help="extra arguments for storyhash cluster")
    p.add_argument("--run-tool", choices=PY_TOOLS, help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    p.add_argument("--stats", help=argparse.SUPPRESS)
    args = p.parse_args()
    args.dump = args.dump_opt or args.dump
    if not args.dump:
        p.error("DUMP is required")
    if args.run_tool:
        args.threads = int(args.threads)
        worker_main(args)
    else:
        driver_main(args)


if __name__ == "__main__":
    main()
