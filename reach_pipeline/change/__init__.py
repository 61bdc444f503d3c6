"""What changed when a day's product is made again: the new product (still in staging)
compared with the one it replaces (``compare``), and the verdict with its figures
(``report``). No Dagster; numpy and cdflib are imported only by ``compare``."""
