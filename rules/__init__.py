"""Rules of the measures as code (川办发〔2021〕49号).

Pure Python: no Django import anywhere under this package (a test enforces it).
Each rule is a function over a frozen dataclass of facts and a policy profile,
returning ``Finding`` objects that cite the article and item they apply and the
evidence (facts and parameter values) they used. Modules follow the chapters
of the measures.
"""
