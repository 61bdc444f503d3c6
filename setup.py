"""The C scanner of the CSV reader (``reach_pipeline/processing/_udlscan.c``); everything
else about the package is in pyproject.toml. The extension is optional: without a C
compiler the package installs, and the pyarrow readers read every file."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "reach_pipeline.processing._udlscan",
            ["reach_pipeline/processing/_udlscan.c"],
            optional=True,
        )
    ]
)
