#!/usr/bin/env python3
"""Derives the ground truth for the free-text extraction accuracy test (formats_text suite).

Independent of the C++ extractor on purpose: a different method (split the text into tokens,
refang each token with plain string replacements, then classify whole tokens with Python's
`ipaddress` module, exact-length hex checks and the public-suffix list read from its .dat file)
applied to the ESET IOC write-ups in ../shared/data/text/eset-malware-ioc-reports. The output was
then read by hand against the reports (see README.md next to this file for the decisions).

Usage: derive_truth.py <eset-malware-ioc-reports dir> <output dir>
Writes <report>.tsv: "kind<TAB>normalised value", sorted, one line per distinct observable.
"""
import ipaddress
import os
import re
import sys

PSL = "/usr/share/publicsuffix/public_suffix_list.dat"

# What counts (the rules of src/formats/text/text_extractor.hpp, written down before this script):
#  - URLs: a known scheme (also defanged: hxxp, hXXps, fxp) + "://"; scheme-less "host/path" only
#    when the host itself was defanged (it is then clearly meant as a network indicator).
#  - a URL or an e-mail address is one indicator: the host inside is not reported again.
#  - domains: the last label must be a public suffix (ICANN or private section); file names such as
#    "report.pdf" or "svchost.exe" are therefore not domains.
SCHEMES = {"http", "https", "ftp", "ftps", "sftp", "tcp", "udp", "ws", "wss"}
FANGS = [("[.]", "."), ("(.)", "."), ("{.}", "."), ("[dot]", "."), ("(dot)", "."), ("{dot}", "."),
         ("[@]", "@"), ("(@)", "@"), ("{@}", "@"), ("[at]", "@"), ("(at)", "@"), ("{at}", "@"),
         ("[://]", "://"), ("[:]", ":"), ("[/]", "/")]
SCHEME_FANGS = [("hxxps", "https"), ("hxxp", "http"), ("h**ps", "https"), ("h**p", "http"),
                ("fxp", "ftp")]


def load_tlds():
    tlds = set()
    with open(PSL, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("//"):
                continue
            last = line.lstrip("*.!").split(".")[-1]
            try:
                last = last.encode("idna").decode("ascii")
            except UnicodeError:
                continue
            tlds.add(last.lower())
    return tlds


TLDS = load_tlds()
LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", re.I)


def refang(token):
    out = token
    for a, b in FANGS:
        out = re.sub(re.escape(a), b, out, flags=re.I)
    return out


def is_domain(s):
    labels = s.split(".")
    if len(labels) < 2 or not all(LABEL.match(x) for x in labels):
        return False
    return labels[-1].lower() in TLDS and not labels[-1].isdigit()


def host_kind(host):
    try:
        ipaddress.IPv4Address(host)
        return "ipv4"
    except ValueError:
        pass
    if is_domain(host):
        return "domain"
    return None


def normalise_url(url):
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)(.*)$", url)
    scheme, auth, rest = m.group(1).lower(), m.group(2), m.group(3)
    host, _, port = auth.partition(":")
    if (scheme, port) in (("http", "80"), ("https", "443")):
        port = ""
    return f"{scheme}://{host.lower()}{':' + port if port else ''}{rest}"


def classify(raw, out):
    tok = raw.strip("+*_").lstrip("\\")  # "\https://..." is AsciiDoc's escaped autolink
    if not tok:
        return
    fanged = refang(tok)
    defanged = fanged != tok
    low = fanged.lower()
    for a, b in SCHEME_FANGS:
        if low.startswith(a + "://"):
            fanged = b + fanged[len(a):]
            defanged = True
            break
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", fanged)
    if m and m.group(1).lower() in SCHEMES:
        url = fanged.rstrip(".,;:!?")
        if url.endswith(")") and url.count("(") < url.count(")"):
            url = url[:-1]
        url = url.split("[")[0]  # asciidoc link text: url[text]
        host = re.match(r"^[^:]+://([^/?#:]*)", url).group(1)
        if host_kind(host):
            out.add(("url", normalise_url(url)))
        return
    fanged = fanged.rstrip(".,;:!?)")
    if re.fullmatch(r"[0-9a-fA-F]+", fanged) and len(fanged) in (32, 40, 64, 128):
        out.add(({32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}[len(fanged)], fanged.lower()))
        return
    if re.fullmatch(r"CVE-\d{4}-\d{4,7}", fanged, re.I):
        out.add(("cve", fanged.upper()))
        return
    if re.fullmatch(r"T[01]\d{3}(\.\d{3})?", fanged):
        out.add(("attack-technique", fanged))
        return
    if "@" in fanged:
        local, _, dom = fanged.rpartition("@")
        if local and re.fullmatch(r"[A-Za-z0-9._%+-]+", local) and is_domain(dom):
            out.add(("email", f"{local}@{dom.lower()}"))
        return
    # host, host:port, host/path, host:port/path, host/prefix (CIDR), host:port:/path (Turla).
    m = re.match(r"^([^:/]+)(:\d+)?(:?/.*)?$", fanged)
    if not m:
        try:
            out.add(("ipv6", str(ipaddress.IPv6Address(fanged))))
        except ValueError:
            pass
        return
    host, port, path = m.group(1), m.group(2) or "", m.group(3) or ""
    kind = host_kind(host)
    if kind is None:
        return
    if kind == "ipv4" and not port and re.fullmatch(r"/\d{1,2}", path) and int(path[1:]) <= 32:
        net = ipaddress.IPv4Network(host + path, strict=False)
        out.add(("ipv4", str(net) if net.prefixlen != 32 else host))
        return
    if defanged and path.startswith("/"):
        out.add(("url", normalise_url("http://" + host + port + path)))
        return
    out.add((kind, host.lower() if kind == "domain" else str(ipaddress.IPv4Address(host))))


def derive(text):
    out = set()
    for raw in re.split(r"[\s|`\"'<>,;]+", text):
        # Split further on brackets that are not part of a defang marker.
        protected = raw
        for a, _ in FANGS:
            protected = re.sub(re.escape(a), lambda m: m.group(0).replace("[", "\x01").replace(
                "]", "\x02").replace("(", "\x03").replace(")", "\x04").replace("{", "\x05").replace(
                    "}", "\x06"), protected, flags=re.I)
        for part in re.split(r"(?<=[^\s])\[(?=[^\x01]*\])|[()]", protected):
            part = part.translate(str.maketrans("\x01\x02\x03\x04\x05\x06", "[](){}"))
            classify(part, out)
    return out


# Decisions taken when reading the reports against the derived lists (see README.md).
REVIEW_REMOVE = {
    # File names in a hash table ("<sha1> – rev.py"): .py is Paraguay's TLD, but these are files.
    "evilnum": {("domain", n) for n in
                ("l.py", "log.py", "pythonproxy.py", "rev.py", "runner.py", "socks.py")},
    # A JavaScript expression in the quoted injected script, not a host name.
    "stantinko": {("domain", "document.location.host")},
}
REVIEW_ADD = {
    # "server-{1,30}[.]ostdownload.xyz": thirty hosts under each of these C&C domains; the
    # brace range is not a host name, the domain after it is named as the indicator.
    "glupteba": {("domain", d) for d in
                 ("ostdownload.xyz", "travelsreview.world", "bigdesign.website", "sportpics.xyz",
                  "kinosport.top", "0ev.ru", "0df.ru", "0d2.ru", "0d9.ru")},
}


def main():
    src, dst = sys.argv[1], sys.argv[2]
    for name in sorted(os.listdir(src)):
        if not name.endswith(".adoc"):
            continue
        with open(os.path.join(src, name), encoding="utf-8") as f:
            truth = derive(f.read())
        report = name.replace(".README.adoc", "")
        truth = (truth - REVIEW_REMOVE.get(report, set())) | REVIEW_ADD.get(report, set())
        with open(os.path.join(dst, report + ".tsv"), "w") as f:
            for kind, value in sorted(truth):
                f.write(f"{kind}\t{value}\n")
        print(name, len(truth))


if __name__ == "__main__":
    main()
