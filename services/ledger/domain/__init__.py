"""Pure core of the ledger: transfer states, the decisions that move them, balance effects.

Nothing in here touches a database, Kafka, HTTP or the environment.
"""
