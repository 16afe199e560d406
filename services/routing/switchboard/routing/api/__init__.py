from fastapi import APIRouter

from switchboard.routing.api import agents, queues, skills, tasks

routers: list[APIRouter] = [skills.router, queues.router, agents.router, tasks.router]
