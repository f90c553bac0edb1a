# exchange_ready: the Exchange Management Shell loads and Exchange answers for this server. After a restart WinRM
# answers before Exchange's services have started; server_restart waits for this, so the next task finds Exchange up.
param()
Import-OwaImExchangeShell
Out-OwaImExchangeServer
