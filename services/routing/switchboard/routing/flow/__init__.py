"""What routing does with contacts and agents: the engine's decisions, made durable.

Every function here runs inside one unit of work that first takes the tenant's
routing lock, so the state it reads is the state it changes, whatever the number
of replicas. Nothing here commits: the consumer wrapper or the endpoint does.
"""
