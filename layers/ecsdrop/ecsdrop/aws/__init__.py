"""Small adapters over boto3: domain-named methods, ClientError turned into domain errors.

Adapters hold no decisions; the deploy package decides what to call and when.
"""
