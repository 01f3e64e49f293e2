"""Embedding tierroute: feed platform events, act on the offers returned.

Run: ``python examples/embed.py`` — routes a mixed three-tier workload over voice,
chat and email on a manual clock and prints each decision, with full explanations
for the first few.
"""

from tierroute.demo import run_demo

if __name__ == "__main__":
    run_demo(seed=7, contacts=40, show=3)
