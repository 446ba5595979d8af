#!/usr/bin/python3
"""check_guide.py FILE VARIANT [FILE VARIANT...] - checks that the aws
plugin's setup guide is one valid YAML document holding the CloudFormation
template cloudpatrol needs: the ExternalId (NoEcho) and TrustedPrincipalArn
parameters, one IAM role trusting TrustedPrincipalArn on condition of the
external id, ReadOnlyAccess, the remediation statement only in the
remediation variant, and the RoleArn output.

The document is read with PyYAML when it is installed, and always with the
small block-YAML reader below (the subset the template uses); both must
agree, so the check never depends on PyYAML being there.
"""
import re
import sys


class Bad(Exception):
    pass


def scalar(text):
    text = text.strip()
    if text.startswith('"'):
        if not text.endswith('"') or len(text) < 2:
            raise Bad("unterminated string: " + text)
        body = text[1:-1]
        out, i = [], 0
        while i < len(body):
            ch = body[i]
            if ch == "\\":
                i += 1
                if i >= len(body):
                    raise Bad("bad escape in " + text)
                out.append({"\\": "\\", '"': '"', "n": "\n"}.get(
                    body[i], "\\" + body[i]))
            elif ch == '"':
                raise Bad("stray quote in " + text)
            else:
                out.append(ch)
            i += 1
        return "".join(out)
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if text == "" or text[0] in "{[&*!|>'%@`":
        raise Bad("unsupported scalar: " + text)
    return text


def tokens(doc):
    """(indent, text) of each meaningful line."""
    out = []
    for n, line in enumerate(doc.split("\n"), 1):
        if "\t" in line:
            raise Bad("line %d: tab" % n)
        stripped = line.strip()
        if stripped == "" or stripped.startswith("#"):
            continue
        out.append((len(line) - len(line.lstrip(" ")), stripped, n))
    return out


def split_key(text, n):
    m = re.fullmatch(r'("(?:[^"\\]|\\.)*"|[A-Za-z0-9_:.\-]+):(?: (.*))?',
                     text)
    if m is None:
        raise Bad("line %d: not 'key: value': %s" % (n, text))
    key = scalar(m.group(1)) if m.group(1).startswith('"') else m.group(1)
    return key, m.group(2)


def parse_block(toks, i, indent):
    """Parses the node starting at toks[i] with the given indent."""
    if toks[i][1].startswith("- ") or toks[i][1] == "-":
        return parse_seq(toks, i, indent)
    return parse_map(toks, i, indent)


def parse_map(toks, i, indent):
    out = {}
    while i < len(toks) and toks[i][0] == indent:
        ind, text, n = toks[i]
        if text.startswith("-"):
            raise Bad("line %d: list item in a mapping" % n)
        key, value = split_key(text, n)
        if key in out:
            raise Bad("line %d: duplicate key %s" % (n, key))
        i += 1
        if value is not None and value.strip() != "":
            out[key] = scalar(value)
        elif i < len(toks) and toks[i][0] > indent:
            out[key], i = parse_block(toks, i, toks[i][0])
        elif (i < len(toks) and toks[i][0] == indent and
              toks[i][1].startswith("- ")):
            out[key], i = parse_seq(toks, i, indent)
        else:
            out[key] = None
    if i < len(toks) and toks[i][0] > indent:
        raise Bad("line %d: bad indentation" % toks[i][2])
    return out, i


def parse_seq(toks, i, indent):
    out = []
    while (i < len(toks) and toks[i][0] == indent and
           toks[i][1].startswith("- ")):
        ind, text, n = toks[i]
        rest = text[2:]
        if re.match(r'("(?:[^"\\]|\\.)*"|[A-Za-z0-9_:.\-]+):( |$)', rest):
            # A mapping inside the item: its first key sits after "- ".
            sub = [(indent + 2, rest, n)]
            j = i + 1
            while j < len(toks) and toks[j][0] > indent:
                sub.append(toks[j])
                j += 1
            value, k = parse_map(sub, 0, indent + 2)
            if k != len(sub):
                raise Bad("line %d: bad item" % n)
            out.append(value)
            i = j
        else:
            out.append(scalar(rest))
            i += 1
    return out, i


def small_yaml(doc):
    toks = tokens(doc)
    if not toks or toks[0][0] != 0:
        raise Bad("the document does not start at column 0")
    value, i = parse_map(toks, 0, 0)
    if i != len(toks):
        raise Bad("line %d: unexpected" % toks[i][2])
    return value


def actions(policy_doc):
    out = []
    for st in policy_doc["Statement"]:
        if st.get("Effect") != "Allow":
            continue
        a = st["Action"]
        out += a if isinstance(a, list) else [a]
    return out


def check(t, variant):
    problems = []

    def need(cond, what):
        if not cond:
            problems.append(what)

    need(t.get("AWSTemplateFormatVersion") == "2010-09-09", "version")
    p = t.get("Parameters", {})
    need(p.get("ExternalId", {}).get("Type") == "String", "ExternalId")
    need(p.get("ExternalId", {}).get("NoEcho") is True, "NoEcho")
    need(p.get("TrustedPrincipalArn", {}).get("Type") == "String",
         "TrustedPrincipalArn")
    roles = [r for r in t.get("Resources", {}).values()
             if r.get("Type") == "AWS::IAM::Role"]
    need(len(roles) == 1 and len(t["Resources"]) == 1, "one IAM role")
    if len(roles) != 1:
        return problems
    props = roles[0]["Properties"]
    trust = props["AssumeRolePolicyDocument"]["Statement"]
    need(len(trust) == 1, "one trust statement")
    st = trust[0]
    need(st["Effect"] == "Allow" and st["Action"] == "sts:AssumeRole",
         "AssumeRole allowed")
    need(st["Principal"] == {"AWS": {"Ref": "TrustedPrincipalArn"}},
         "trusts TrustedPrincipalArn")
    need(st["Condition"] == {"StringEquals":
                             {"sts:ExternalId": {"Ref": "ExternalId"}}},
         "external id condition")
    need("arn:aws:iam::aws:policy/ReadOnlyAccess" in
         props.get("ManagedPolicyArns", []), "ReadOnlyAccess")
    allowed = []
    for pol in props.get("Policies", []):
        allowed += actions(pol["PolicyDocument"])
    remediation = {"ec2:RevokeSecurityGroupIngress",
                   "ec2:ModifySecurityGroupRules",
                   "ec2:DescribeSecurityGroupRules"}
    writes = {"ec2:RevokeSecurityGroupIngress",
              "ec2:ModifySecurityGroupRules"}
    for a in ("ce:GetCostAndUsage", "iam:GenerateCredentialReport",
              "iam:GetCredentialReport"):
        need(a in allowed, a)
    if variant == "remediation":
        need(remediation <= set(allowed), "remediation statement")
    else:
        need(not (writes & set(allowed)), "no remediation in read-only")
        need(all(a.split(":", 1)[1].startswith(
            ("Get", "List", "Describe", "Search",
             "GenerateCredentialReport")) for a in allowed),
             "read-only actions only")
    out = t.get("Outputs", {}).get("RoleArn", {}).get("Value")
    name = [k for k, r in t["Resources"].items() if r is roles[0]][0]
    need(out == {"Fn::GetAtt": [name, "Arn"]}, "RoleArn output")
    refs = re.findall(r"'Ref': '([^']*)'", repr(t))
    need(all(r in p for r in refs), "every Ref names a parameter")
    return problems


def main(argv):
    if len(argv) < 3 or len(argv) % 2 == 0:
        print(__doc__)
        return 2
    try:
        import yaml
    except ImportError:
        yaml = None
    failed = 0
    for path, variant in zip(argv[1::2], argv[2::2]):
        with open(path, encoding="utf-8") as f:
            doc = f.read()
        try:
            t = small_yaml(doc)
        except (Bad, KeyError, TypeError) as e:
            print("FAIL %s: not valid YAML: %s" % (path, e))
            failed += 1
            continue
        if yaml is not None:
            full = yaml.safe_load(doc)
            if full != t:
                print("FAIL %s: PyYAML reads it differently" % path)
                failed += 1
                continue
        try:
            problems = check(t, variant)
        except (KeyError, TypeError, AttributeError) as e:
            problems = ["structure: %r" % (e,)]
        if problems:
            print("FAIL %s (%s): %s" % (path, variant, ", ".join(problems)))
            failed += 1
        else:
            print("ok %s (%s%s)" % (path, variant,
                                    ", PyYAML too" if yaml else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
