"""Where a product came from: its input, its processor and that processor's version.

``versions``: a processor's version (its distribution's, or a hash of its source);
``attributes``: the provenance global attributes of the L1C and the L2 (and which of them
are volatile); ``cdf_attrs``: write those attributes into a CDF in place, cheaply;
``inputs``: an input file's size, sha256 and download window. No Dagster here.
"""
