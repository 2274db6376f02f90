"""cm_manager_client: drive cm-agents from asyncio Python, through libcm.

    from cm_manager_client import CMManagerClient

    client = CMManagerClient(host='remote.example.com', user='deploy',
                             auth_token='YOUR_SECRET_TOKEN', agent_port=9876)
    await client.connect()          # establishes the SSH tunnel automatically
    session_id = await client.create_session(
        tool='claude', task='Add logging to API module',
        context={'path': '/var/www/app'})
    # state changes are pushed automatically
    await client.disconnect()
"""

from .client import CMError, CMManagerClient, ConnectError

__all__ = ["CMManagerClient", "CMError", "ConnectError"]
__version__ = "0.1.0"
