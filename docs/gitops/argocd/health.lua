-- Argo CD health check for the accounts.unleash.dev kinds (ServiceAccount,
-- ServiceAccountToken, UnleashConnection, ClusterUnleashConnection): one script
-- serves all four, as they report status alike. The operator keeps kstatus-style
-- conditions: Ready, plus Reconciling or Stalled when True.
-- Plain Lua 5.1 without libraries beyond the base ones, as Argo CD's VM runs it.
local hs = {}

local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function describe(c)
  local reason = c.reason or c.type
  if c.message ~= nil and c.message ~= "" then
    return reason .. ": " .. c.message
  end
  return reason
end

if obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Being deleted: the operator cleans up in Unleash, then removes its finalizer"
  return hs
end

-- accounts.unleash.dev/paused: the operator writes nothing for it, on purpose.
local paused = condition("Reconciling")
if paused ~= nil and paused.status == "True" and paused.reason == "Paused" then
  hs.status = "Suspended"
  hs.message = describe(paused)
  return hs
end

local ready = condition("Ready")
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

-- Conditions written for an older spec say nothing about the current one.
local observed = obj.status.observedGeneration or ready.observedGeneration
if obj.metadata.generation ~= nil and observed ~= nil and observed ~= obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to act on generation " .. tostring(obj.metadata.generation)
  return hs
end

local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled)
  return hs
end

local reconciling = condition("Reconciling")
if reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = describe(reconciling)
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
else
  hs.status = "Progressing"
end
hs.message = describe(ready)
return hs
