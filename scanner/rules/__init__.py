"""Rules: YAML files in rulesets/rules/ that turn facts into findings.

The engine is generic (Sigma/semgrep style): a rule names a fact kind and
field conditions, its severity and legal basis; nothing legal is in Python.
"""
