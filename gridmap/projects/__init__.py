"""Funded projects (衔接资金项目) and village pairings."""
