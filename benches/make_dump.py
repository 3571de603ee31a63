#!/usr/bin/env python3
"""Generate a large, deterministic, news-like JSONL dump for throughput benchmarks.

Every output line is one JSON object:

    {"id": "d000000123", "date": "YYYY-MM-DD", "title": "...", "text": "...", "copy_of": null}

The documents are built by replicating and perturbing the 300 real BASIL articles
(fixtures/basil/docs.jsonl):

* Distinct documents (1 - copy_share of them): a random BASIL article whose paragraph order
  is shuffled, some paragraphs dropped, paragraphs of other articles inserted or appended
  (length varies from a few hundred bytes up to about 20 KB, mean about 4-5 KB), and every
  sentence rewritten through one of K random word ciphers (each cipher maps 30-50% of the
  corpus' content words to words drawn from the whole corpus vocabulary), plus a small
  per-document cipher of frequent words.  Two distinct documents derived from the same BASIL
  article share few word 5-grams (Jaccard typically below 0.15).
* Near-copies (copy_share of them, copy_of = id of an earlier distinct document): changed
  site header/footer lines, 5-20% of sentences dropped or reworded, a few typos, and/or
  truncation to about 70%.
* Noise: site boilerplate header/footer lines shared by many documents, an occasional
  "Advertisement" line, and about 2% of documents with a Chinese or Russian paragraph.

Output is byte-identical for the same arguments (it depends only on random.Random(seed),
never on hash() / PYTHONHASHSEED, set order, or time).  Standard library only.

Example:
    python3 benches/make_dump.py --bytes 1G --out /tmp/dump.jsonl --seed 1
"""

import argparse
import datetime
import json
import json.encoder
import random
import re
import sys
import time
from collections import deque
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASIL = REPO_ROOT / "fixtures" / "basil" / "docs.jsonl"

# Number of cipher variants of every sentence; a document picks one per sentence.
N_VARIANTS = 32
MIN_DOC_BYTES = 300
MAX_DOC_BYTES = 20000
RECENT_POOL = 2048
RESERVOIR_POOL = 4096

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves
said says say mr mrs ms one two new
""".split())

WORD_RE = re.compile(r"[^\W\d_]{3,}")
LETTERS_RE = re.compile(r"[^\W\d_]+")
SENT_SPLIT_RE = re.compile(r"(?<=[.!?\u201d\"])\s+(?=[\u201c\"\u2018A-Z0-9])")

SITE_NAMES = [
    "The Daily Ledger", "Metro Tribune", "Capitol Dispatch", "Harbor Gazette",
    "Evening Courier", "National Observer", "Valley Herald", "Coastal Post",
    "Midwest Chronicle", "The Morning Sentinel", "Pacific Record", "Northern Star",
    "City Wire", "Sunbelt Times", "The Union Journal", "Riverside Examiner",
    "Frontier Press", "Lakeshore News", "Atlantic Monitor", "The Plains Register",
    "Summit Daily", "Bay Area Bulletin", "Heartland Report", "Global Affairs Review",
]
HEADER_TEMPLATES = [
    "{site} | Breaking News, Politics, Business and World Headlines",
    "Skip to main content",
    "Subscribe to {site} for unlimited digital access",
    "Home > Politics > National",
    "Menu Search Sign In Subscribe",
    "You have reached your limit of free articles this month.",
]
FOOTER_TEMPLATES = [
    "\u00a9 {year} {site}. All rights reserved.",
    "Sign up for the morning newsletter from {site} to get the day's top stories in your inbox.",
    "Follow {site} on Twitter and Facebook for the latest updates.",
    "This material may not be published, broadcast, rewritten or redistributed.",
    "Have a news tip? Email us at tips@{domain}.com",
    "Related Coverage",
    "The Associated Press contributed to this report.",
    "Comments are closed for this article.",
]
AD_LINE = "Advertisement"

CHINESE_SENTENCES = [
    "国务院新闻办公室周二举行发布会，介绍今年前三季度经济运行情况。",
    "当地政府表示，将加大对中小企业的扶持力度，稳定就业市场。",
    "据新华社报道，暴雨导致多条高速公路临时封闭，数千名旅客滞留。",
    "专家认为，房地产市场的调整仍将持续一段时间。",
    "外交部发言人在例行记者会上回答了有关贸易谈判的提问。",
    "这项新政策预计将于明年一月一日起正式实施。",
    "消费者物价指数同比上涨百分之二点一，略高于市场预期。",
    "警方已对事故原因展开调查，目前尚无人员伤亡报告。",
    "该公司第二季度营业收入同比增长百分之十五。",
    "记者从教育部获悉，今年全国高校毕业生人数创历史新高。",
]
RUSSIAN_SENTENCES = [
    "Министерство финансов опубликовало предварительные данные об исполнении бюджета.",
    "По словам представителя мэрии, ремонт моста завершится до конца года.",
    "Центральный банк сохранил ключевую ставку на прежнем уровне.",
    "Эксперты ожидают, что цены на нефть останутся волатильными в ближайшие месяцы.",
    "Пресс-секретарь президента отказался комментировать эти сообщения.",
    "В результате сильного снегопада были отменены десятки рейсов.",
    "Депутаты приняли законопроект в первом чтении.",
    "Следственный комитет возбудил уголовное дело по факту мошенничества.",
    "Губернатор пообещал выделить дополнительные средства на строительство школ.",
    "Акции компании подешевели почти на пять процентов после публикации отчёта.",
]


def parse_bytes(s):
    """'1G' -> 10**9; K/M/G/T are powers of 1000, Ki/Mi/Gi/Ti powers of 1024."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]i?)?b?\s*", s, re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {s!r} (use e.g. 500K, 20M, 1G)")
    num = float(m.group(1))
    suf = (m.group(2) or "").lower()
    base = 1024 if suf.endswith("i") else 1000
    power = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}[suf[:1]]
    n = int(num * base ** power)
    if n <= 0:
        raise argparse.ArgumentTypeError("size must be positive")
    return n


class Corpus:
    """BASIL articles pre-split into paragraphs and sentences, with K cipher variants."""

    def __init__(self, path, rng):
        arts = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    arts.append(json.loads(line))
        if not arts:
            raise SystemExit(f"no articles in {path}")

        # Sentence table: titles and body sentences share one table.
        base_sents = []
        self.art_title = []  # sentence id of the title
        self.art_paras = []  # list of paragraph ids
        self.art_date = []  # date ordinal
        self.para_sids = []  # paragraph id -> sentence ids
        self.para_len = []  # paragraph id -> approximate length
        for a in arts:
            self.art_title.append(len(base_sents))
            base_sents.append(" ".join(a.get("title", "").split()))
            try:
                d = datetime.date.fromisoformat(a.get("date", "")[:10]).toordinal()
            except ValueError:
                d = datetime.date(2015, 1, 1).toordinal()
            self.art_date.append(d)
            pids = []
            for para in a.get("text", "").split("\n"):
                para = para.strip()
                if not para:
                    continue
                sids = []
                for s in SENT_SPLIT_RE.split(para):
                    s = s.strip()
                    if s:
                        sids.append(len(base_sents))
                        base_sents.append(s)
                if sids:
                    pids.append(len(self.para_sids))
                    self.para_sids.append(sids)
                    self.para_len.append(len(para) + 1)
            if not pids:  # keep every article usable
                pids.append(len(self.para_sids))
                self.para_sids.append([self.art_title[-1]])
                self.para_len.append(len(base_sents[self.art_title[-1]]) + 1)
            self.art_paras.append(pids)
        self.n_arts = len(arts)

        # Vocabulary: every content-word occurrence (frequency weighted), corpus order.
        corpus_text = "\x01".join(base_sents)
        vocab = [w.lower() for w in WORD_RE.findall(corpus_text)]
        vocab = [w for w in vocab if w not in STOPWORDS]
        self.vocab = vocab
        counts = {}
        for w in vocab:
            counts[w] = counts.get(w, 0) + 1
        distinct = sorted(counts)
        # Surface forms of content words, grouped by lowercase form.
        forms = {}
        for w in sorted(set(WORD_RE.findall(corpus_text))):
            lw = w.lower()
            if lw in counts:
                forms.setdefault(lw, []).append(w)
        # Frequent lowercase words for the cheap per-document cipher.
        self.frequent = [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:400]]

        # K ciphers; variant k of every sentence = sentence passed through cipher k.
        nv = len(vocab)
        pieces = re.split("(" + WORD_RE.pattern + ")", corpus_text)  # sep, word, sep, ...
        words = pieces[1::2]
        variants = []
        for _k in range(N_VARIANTS):
            p = rng.uniform(0.30, 0.50)
            rnd = rng.random
            cipher = {}
            for lw in distinct:
                if rnd() < p:
                    r = vocab[int(rnd() * nv)]
                    if r == lw:
                        r = vocab[int(rnd() * nv)]
                    for form in forms.get(lw, ()):
                        if len(form) > 1 and form.isupper():
                            cipher[form] = r.upper()
                        elif form[0].isupper():
                            cipher[form] = r[:1].upper() + r[1:]
                        else:
                            cipher[form] = r

            toks = list(pieces)
            toks[1::2] = map(cipher.get, words, words)
            out = "".join(toks).split("\x01")
            assert len(out) == len(base_sents)
            variants.append(out)
        # sent_var[sid] = tuple of K strings
        sent_var = list(zip(*variants))
        del variants
        self.para_var = [[sent_var[s] for s in sids] for sids in self.para_sids]
        self.title_var = [sent_var[t] for t in self.art_title]


def make_sites(rng):
    sites = []
    for name in SITE_NAMES:
        domain = re.sub(r"[^a-z]", "", name.lower())
        year = 2012 + int(rng.random() * 9)
        fmt = dict(site=name, domain=domain, year=year)
        h = rng.sample(HEADER_TEMPLATES, 1 + int(rng.random() * 2))
        f = rng.sample(FOOTER_TEMPLATES, 1 + int(rng.random() * 3))
        sites.append(([t.format(**fmt) for t in h], [t.format(**fmt) for t in f]))
    return sites


def iter_docs(basil_path, seed=1, copy_share=0.2):
    """Yield (id, date, title, text, copy_of, source_article_index) forever."""
    rng = random.Random(seed)
    rnd = rng.random
    corpus = Corpus(basil_path, rng)
    sites = make_sites(rng)
    n_sites = len(sites)
    K = N_VARIANTS
    n_arts = corpus.n_arts
    art_paras = corpus.art_paras
    para_var = corpus.para_var
    para_len = corpus.para_len
    title_var = corpus.title_var
    vocab = corpus.vocab
    nv = len(vocab)
    frequent = corpus.frequent
    nf = len(frequent)
    date_cache = {}

    def date_str(o):
        s = date_cache.get(o)
        if s is None:
            s = date_cache[o] = datetime.date.fromordinal(o).isoformat()
        return s

    def render_para(pid):
        return " ".join([v[int(rnd() * K)] for v in para_var[pid]])

    def non_latin_para():
        if rnd() < 0.5:
            n = 2 + int(rnd() * 3)
            return "".join(CHINESE_SENTENCES[int(rnd() * len(CHINESE_SENTENCES))] for _ in range(n))
        n = 2 + int(rnd() * 3)
        return " ".join(RUSSIAN_SENTENCES[int(rnd() * len(RUSSIAN_SENTENCES))] for _ in range(n))

    recent = deque(maxlen=RECENT_POOL)
    reservoir = []
    n_orig = 0
    n = 0
    while True:
        doc_id = "d%09d" % n
        n += 1
        pool_ready = bool(recent)
        if pool_ready and rnd() < copy_share:
            # ---------------- near-copy of an earlier distinct document ----------------
            if rnd() < 0.5 or not reservoir:
                orig = recent[int(rnd() * len(recent))]
            else:
                orig = reservoir[int(rnd() * len(reservoir))]
            o_id, o_date, o_title, o_head, o_body, o_foot, src = orig
            head, body, foot, title = list(o_head), o_body, list(o_foot), o_title
            r_head = rnd() < 0.6
            r_sent = rnd() < 0.6
            r_typo = rnd() < 0.5
            r_trunc = rnd() < 0.25
            if not (r_head or r_sent or r_typo or r_trunc):
                r_sent = True
            if r_head:
                h2, f2 = sites[int(rnd() * n_sites)]
                c = rnd()
                if c < 0.4:
                    head, foot = list(h2), list(f2)
                elif c < 0.6:
                    head = head[:-1] if head else list(h2)
                elif c < 0.8:
                    foot = foot + ["Updated %d:%02d %s ET" % (1 + int(rnd() * 12), int(rnd() * 60),
                                                              "a.m." if rnd() < 0.5 else "p.m.")]
                else:
                    foot = list(f2[:1]) + foot[1:]
                if rnd() < 0.2:
                    title = title + " | " + SITE_NAMES[int(rnd() * n_sites)]
            if r_sent:
                frac = 0.05 + 0.15 * rnd()
                new_paras = []
                for para in body.split("\n"):
                    out = []
                    for s in SENT_SPLIT_RE.split(para):
                        if rnd() < frac:
                            if rnd() < 0.5:
                                continue  # dropped
                            words = s.split(" ")
                            for _ in range(1 + int(rnd() * 3)):
                                i = int(rnd() * len(words))
                                c = rnd()
                                if c < 0.5:
                                    words[i] = vocab[int(rnd() * nv)]
                                elif c < 0.75 and len(words) > 3:
                                    del words[i]
                                elif i + 1 < len(words):
                                    words[i], words[i + 1] = words[i + 1], words[i]
                            s = " ".join(words)
                        out.append(s)
                    if out:
                        new_paras.append(" ".join(out))
                if new_paras:
                    body = "\n".join(new_paras)
            if r_trunc:
                cut = body.rfind(" ", 0, int(len(body) * (0.65 + 0.1 * rnd())))
                if cut > 0:
                    body = body[:cut]
            if r_typo:
                todo = 1 + int(rnd() * 5)
                tries = 0
                while todo and tries < 50:
                    tries += 1
                    L = len(body)
                    if L < 4:
                        break
                    i = int(rnd() * (L - 2))
                    a, b = body[i], body[i + 1]
                    if not (a.isalpha() and b.isalpha() and a != b):
                        continue
                    todo -= 1
                    c = rnd()
                    if c < 0.4:
                        body = body[:i] + b + a + body[i + 2:]
                    elif c < 0.7:
                        body = body[:i] + body[i + 1:]
                    else:
                        body = body[:i] + a + body[i:]
            date = o_date + (int(rnd() * 3) if rnd() < 0.3 else 0)
            text = "\n".join(head + [body] + foot) if (head or foot) else body
            if head == o_head and foot == o_foot and body == o_body:
                # Nothing changed the text: drop its last word so it is never an exact copy.
                cut = body.rfind(" ")
                body = body[:cut] if cut > 0 else body + " " + AD_LINE
                text = "\n".join(head + [body] + foot) if (head or foot) else body
            yield doc_id, date_str(date), title, text, o_id, src
            continue

        # ---------------- distinct document ----------------
        src = int(rnd() * n_arts)
        pids = list(art_paras[src])
        lead = pids[0] if (rnd() < 0.7 and len(pids) > 1) else None
        if lead is not None:
            rest = pids[1:]
            rng.shuffle(rest)
            pids = [lead] + rest
        else:
            rng.shuffle(pids)
        drop_p = 0.1 + 0.15 * rnd()
        kept = [p for p in pids if rnd() >= drop_p]
        if not kept:
            kept = pids[:1]
        pids = kept
        if rnd() < 0.6:
            for _ in range(1 + int(rnd() * 3)):
                other = art_paras[int(rnd() * n_arts)]
                pids.insert(int(rnd() * (len(pids) + 1)), other[int(rnd() * len(other))])
        # Target length: log-normal, median ~3.2 KB, mean ~4.4 KB, clipped.
        target = int(rng.lognormvariate(8.07, 0.8))
        target = max(MIN_DOC_BYTES, min(MAX_DOC_BYTES, target))
        total = 0
        chosen = []
        for p in pids:
            chosen.append(p)
            total += para_len[p]
            if total >= target:
                break
        guard = 0
        while total < target and guard < 20:
            guard += 1
            other = list(art_paras[int(rnd() * n_arts)])
            rng.shuffle(other)
            for p in other:
                chosen.append(p)
                total += para_len[p]
                if total >= target:
                    break
        paras = [render_para(p) for p in chosen]
        if len(paras) == 1 and len(paras[0]) > target * 1.5:
            sents = SENT_SPLIT_RE.split(paras[0])
            acc, ln = [], 0
            for s in sents:
                acc.append(s)
                ln += len(s) + 1
                if ln >= target:
                    break
            paras[0] = " ".join(acc)
        if rnd() < 0.02:
            paras.insert(int(rnd() * (len(paras) + 1)), non_latin_para())
        if rnd() < 0.15 and len(paras) > 2:
            paras.insert(1 + int(rnd() * (len(paras) - 1)), AD_LINE)
        body = "\n".join(paras)
        # Small per-document cipher of frequent words (cheap, C-level replaces).
        for _ in range(2 + int(rnd() * 4)):
            w = frequent[int(rnd() * nf)]
            r = vocab[int(rnd() * nv)]
            body = body.replace(" " + w + " ", " " + r + " ")
        title = title_var[src][int(rnd() * K)]
        hs, fs = sites[int(rnd() * n_sites)]
        head = list(hs) if rnd() < 0.45 else []
        foot = list(fs) if rnd() < 0.55 else []
        date = corpus.art_date[src] + int(rnd() * 1461) - 730
        text = "\n".join(head + [body] + foot) if (head or foot) else body

        entry = (doc_id, date, title, head, body, foot, src)
        recent.append(entry)
        n_orig += 1
        if len(reservoir) < RESERVOIR_POOL:
            reservoir.append(entry)
        else:
            j = int(rnd() * n_orig)
            if j < RESERVOIR_POOL:
                reservoir[j] = entry
        yield doc_id, date_str(date), title, text, None, src


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Generate a deterministic news-like JSONL dump from BASIL articles.")
    ap.add_argument("--bytes", required=True, type=parse_bytes,
                    help="output size: digits with optional suffix K, M, G, T (powers of 1000, "
                         "e.g. 1G = 10^9 bytes) or Ki, Mi, Gi (powers of 1024); generation "
                         "stops at the first line end at or past this size")
    ap.add_argument("--out", required=True, help="output path, or - for stdout")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--copy-share", type=float, default=0.2,
                    help="share of documents that are near-copies of an earlier one (default 0.2)")
    ap.add_argument("--basil", default=str(DEFAULT_BASIL),
                    help="BASIL docs.jsonl (default: fixtures/basil/docs.jsonl in this repo)")
    args = ap.parse_args(argv)
    if not 0.0 <= args.copy_share < 1.0:
        ap.error("--copy-share must be in [0, 1)")

    t0 = time.perf_counter()
    enc = json.encoder.encode_basestring  # C implementation, ensure_ascii=False style
    limit = args.bytes
    written = docs = copies = 0
    if args.out == "-":
        out = sys.stdout.buffer
        close = False
    else:
        out = open(args.out, "wb", buffering=1 << 24)
        close = True
    buf = []
    buf_len = 0
    try:
        for doc_id, date, title, text, copy_of, _src in iter_docs(args.basil, args.seed,
                                                                  args.copy_share):
            if copy_of is None:
                co = "null"
            else:
                co = '"' + copy_of + '"'
                copies += 1
            line = ('{"id": "%s", "date": "%s", "title": %s, "text": %s, "copy_of": %s}\n'
                    % (doc_id, date, enc(title), enc(text), co)).encode("utf-8")
            buf.append(line)
            buf_len += len(line)
            docs += 1
            if buf_len >= 1 << 22:
                out.write(b"".join(buf))
                written += buf_len
                buf, buf_len = [], 0
            if written + buf_len >= limit:
                break
        if buf:
            out.write(b"".join(buf))
            written += buf_len
        out.flush()
    except BrokenPipeError:  # e.g. `--out - | head`
        sys.stderr.close()
        return
    finally:
        if close:
            out.close()
    secs = time.perf_counter() - t0
    print(f"make_dump: documents={docs} bytes={written} copies={copies} "
          f"seconds={secs:.1f}", file=sys.stderr)


if __name__ == "__main__":
    main()
