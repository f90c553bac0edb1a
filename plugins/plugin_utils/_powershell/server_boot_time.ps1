# server_restart: when this server last booted (a restart is over once this changes).
param()
Out-OwaImField 'boot' 'time' ([string](Get-WmiObject -Class Win32_OperatingSystem).LastBootUpTime)
