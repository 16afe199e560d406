from fastapi import APIRouter

from switchboard.routing.api import agents, queues, skills, staffing, stats, tasks

routers: list[APIRouter] = [skills.router, queues.router, agents.router, tasks.router, stats.router,
                            staffing.router]
