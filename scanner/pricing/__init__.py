"""Price-discrimination analysis (大数据杀熟): the ``appaudit pricing`` stage.

Stages, one module each, one data type crossing each boundary:
``capture`` (capture files → Exchange, through the shared ingest reader) →
``extract`` (Exchange → PriceObservation: declarative extractors of
rulesets/pricing/extractors.yaml, else discovery) → ``align``
(observations → ItemRow per item across profiles) → ``stats`` (price table →
NoiseFloor from the control pairs, Comparison per profile) → ``pipeline``
(Comparison → ``pricing.comparison`` facts → rule engine findings →
ScanResult). ``config`` loads rulesets/pricing/. Nothing here decides legality:
the rule ALGO-PRICE-0001 does.

API: ``run_pricing(PricingRequest(profiles=(("new", (Path("a.mitm"),)),
("loyal", (Path("b.har"),))), controls=(("loyal", (Path("c.mitm"),)),)))``.
"""
