--[[
{{< fig id >}}: the figure `id` that a chapter notebook published with f.tegn(...).

Reads figures/<edition>/<chapter>/manifest.json (written by `statuskommune execute`) and returns
the same Quarto figure markup that the stage step writes for a build:

  ![Tittel. [Kilde: …]{.kilde}](…/id.svg){#fig-id fig-alt="…"}

followed, in HTML, by the numbers behind the figure (a table) and a link to its CSV. Quarto numbers
the figure ("Figur 2.1") and resolves @fig-id. The edition is `statuskommune.edition` (a profile,
`quarto preview --profile 2024`), else `statuskommune.default-edition` from _quarto.yml.
]]

local NBSP = "\u{00A0}"
local MINUS = "\u{2212}"

local function read_file(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function edition(meta)
  local sk = meta and meta["statuskommune"]
  local e = sk and (sk["edition"] or sk["default-edition"])
  if e == nil then
    error("{{< fig >}}: fant ikke utgaven (statuskommune.edition eller default-edition i _quarto.yml)")
  end
  return pandoc.utils.stringify(e)
end

local function find_figure(root, ed, stem, id)
  local base = pandoc.path.join({ root, "figures", ed })
  local order = { stem }
  local ok, entries = pcall(pandoc.system.list_directory, base)
  if ok then
    table.sort(entries)
    for _, e in ipairs(entries) do if e ~= stem then order[#order + 1] = e end end
  end
  for _, ch in ipairs(order) do
    local text = read_file(pandoc.path.join({ base, ch, "manifest.json" }))
    if text then
      local m = pandoc.json.decode(text, false)
      for _, rec in ipairs(m.figures or {}) do
        if rec.id == id then return rec, pandoc.path.join({ base, ch }) end
      end
    end
  end
  return nil
end

local function esc_md(s) return (s:gsub("([\\`*_%[%]<>#|])", "\\%1")) end
local function esc_attr(s) return (s:gsub("\\", "\\\\"):gsub('"', '\\"')) end
local function esc_html(s)
  return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"))
end
local function sentence(s)
  s = s:gsub("^%s+", ""):gsub("%s+$", "")
  if s:match("[.!?]$") then return s end
  return s .. "."
end

-- Norwegian number: decimal comma, non-breaking space between thousands, minus sign (as fmt.tall).
local function tall(v, dec)
  dec = math.tointeger(dec) or math.floor(dec)
  local m = 10 ^ dec
  local r = math.floor(math.abs(v) * m + 0.5 + 1e-9) / m
  local s = string.format("%." .. dec .. "f", r)
  local int, frac = s:match("^(%d+)%.?(%d*)$")
  local groups = {}
  while #int > 3 do
    table.insert(groups, 1, int:sub(-3))
    int = int:sub(1, -4)
  end
  table.insert(groups, 1, int)
  local out = table.concat(groups, NBSP)
  if frac ~= "" then out = out .. "," .. frac end
  if v < 0 and r ~= 0 then out = MINUS .. out end
  return out
end

local function parse_csv(text)
  local rows = {}
  for line in text:gmatch("[^\n]+") do
    local row, field, quoted, i = {}, {}, false, 1
    while i <= #line do
      local c = line:sub(i, i)
      if quoted then
        if c == '"' and line:sub(i + 1, i + 1) == '"' then field[#field + 1] = '"'; i = i + 1
        elseif c == '"' then quoted = false
        else field[#field + 1] = c end
      elseif c == '"' then quoted = true
      elseif c == "," then row[#row + 1] = table.concat(field); field = {}
      else field[#field + 1] = c end
      i = i + 1
    end
    row[#row + 1] = table.concat(field)
    rows[#rows + 1] = row
  end
  return rows
end

-- As fmt.typografi: "1-5 år" and "2017-2019" get an en dash (not "2019-10", a date); chemical
-- formulas get subscripts (CO₂); a number's thousands are joined by a non-breaking space.
local KJEMI = { CO2 = "CO\u{2082}", CH4 = "CH\u{2084}", N2O = "N\u{2082}O", SO2 = "SO\u{2082}",
                NO2 = "NO\u{2082}", NH3 = "NH\u{2083}", SF6 = "SF\u{2086}" }
local function typografi(s)
  s = (s:gsub("()(%d+)%s?%-%s?(%d+)()", function(i, a, b, j)
    local before, after = s:sub(i - 1, i - 1), s:sub(j, j)
    local whole = s:sub(i, j - 1)
    if #a > 4 or #b > 4 or before:match("[%d%-]") or after:match("[%d%-]") then return whole end
    if #a == #b or math.max(#a, #b) <= 3 then return a .. "\u{2013}" .. b end
    return whole
  end))
  s = s:gsub("%f[%w]([A-Z][A-Z]?%d[A-Z]?%d?)%f[%W]", function(f) return KJEMI[f] end)
  repeat
    local before = s
    s = s:gsub("%f[%d](%d%d?%d?) (%d%d%d)%f[%D]", "%1\u{00A0}%2")
  until s == before
  return s
end

-- JSON null (pandoc.json.null) counts as absent
local function present(x) return x ~= nil and type(x) ~= "userdata" end

local function missing(v) return v == "" or v == ".." or v == "." or v == ":" end

local function table_html(rec, csv_path)
  local rows = parse_csv(read_file(csv_path) or "")
  local header = table.remove(rows, 1) or {}
  local numeric = {}
  for c = 1, #header do
    numeric[c] = true
    for _, r in ipairs(rows) do
      if not missing(r[c] or "") and tonumber(r[c]) == nil then numeric[c] = false end
    end
  end
  local data = {}
  for _, r in ipairs(rows) do
    local out = {}
    for c = 1, #header do
      local v = r[c] or ""
      if numeric[c] then out[c] = (not missing(v)) and tonumber(v) or false else out[c] = v end
    end
    data[#data + 1] = out
  end
  if present(rec.tabell) then -- pivot: rows x columns of values
    local function col(name) for i, h in ipairs(header) do if h == name then return i end end end
    local ri, ci, vi = col(rec.tabell.rader), col(rec.tabell.kolonner), col(rec.tabell.verdier)
    local rkeys, ckeys, seen_r, seen_c, cell = {}, {}, {}, {}, {}
    local function key(v) return tostring(v) end
    for _, r in ipairs(data) do
      if not seen_r[key(r[ri])] then seen_r[key(r[ri])] = true; rkeys[#rkeys + 1] = r[ri] end
      if not seen_c[key(r[ci])] then seen_c[key(r[ci])] = true; ckeys[#ckeys + 1] = r[ci] end
      local k = key(r[ri]) .. "\0" .. key(r[ci])
      if cell[k] == nil then cell[k] = r[vi] end
    end
    local function label(k)
      if type(k) == "number" and k == math.floor(k) then return string.format("%d", k) end
      return tostring(k)
    end
    local newh = { rec.tabell.rader }
    for _, ck in ipairs(ckeys) do newh[#newh + 1] = label(ck) end
    local newd = {}
    for _, rk in ipairs(rkeys) do
      local row = { rk }
      for _, ck in ipairs(ckeys) do
        local v = cell[key(rk) .. "\0" .. key(ck)]
        if v == nil then v = false end
        row[#row + 1] = v
      end
      newd[#newd + 1] = row
    end
    header, data = newh, newd
  end
  local dec = present(rec.desimaler) and rec.desimaler or 1
  local function fmt(colname, v)
    if v == false then return '<span class="mangler">mangler</span>' end -- said in words, as in stage.py
    if type(v) == "string" then return esc_html(typografi(v)) end
    local low = colname:gsub("^\u{00C5}", "\u{00E5}"):lower() -- string.lower leaves «Å» alone
    if v == math.floor(v) and v >= 1800 and v <= 2100 and
       (low:sub(1, 3) == "år" or low:sub(1, 8) == "skoleår" or low:sub(1, 7) == "startår") then
      return string.format("%d", v)
    end
    if v == math.floor(v) and dec == 0 then return tall(v, 0) end
    return tall(v, dec)
  end
  local head = {}
  for _, h in ipairs(header) do head[#head + 1] = '<th scope="col">' .. esc_html(typografi(h)) .. "</th>" end
  local body = {}
  for _, r in ipairs(data) do
    local cells = { '<th scope="row">' .. fmt(header[1], r[1]) .. "</th>" }
    for c = 2, #header do
      local cls = type(r[c]) == "string" and "" or ' class="tall"'
      cells[#cells + 1] = "<td" .. cls .. ">" .. fmt(header[c], r[c]) .. "</td>"
    end
    body[#body + 1] = "<tr>" .. table.concat(cells) .. "</tr>"
  end
  local cap = esc_html("Tallene bak figuren: " .. rec.tittel)
  return '<div class="tabellramme" tabindex="0" role="region" aria-label="' .. cap .. '"><table class="figurtabell">' ..
    "<caption>" .. cap .. "</caption><thead><tr>" .. table.concat(head) .. "</tr></thead><tbody>" ..
    table.concat(body) .. "</tbody></table></div>"
end

return {
  ["fig"] = function(args, kwargs, meta)
    local id = pandoc.utils.stringify(args[1] or "")
    if id == "" then error("{{< fig >}}: mangler figur-id, f.eks. {{< fig ndr-niva >}}") end
    local root = quarto.project.directory or pandoc.system.get_working_directory()
    local input = quarto.doc.input_file
    local stem = pandoc.path.split_extension(pandoc.path.filename(input))
    local ed = edition(meta)
    local rec, dir = find_figure(root, ed, stem, id)
    if not rec then
      error("{{< fig " .. id .. " >}} i " .. input .. ": ingen notatbok har publisert figuren i figures/" .. ed ..
        "/*/manifest.json. Kjør «statuskommune execute --edition " .. ed .. "» først.")
    end
    local here = pandoc.path.directory(input)
    local svg = pandoc.path.make_relative(pandoc.path.join({ dir, rec.svg }), here)
    local csv = pandoc.path.make_relative(pandoc.path.join({ dir, rec.csv }), here)
    local caption = esc_md(sentence(rec.tittel))
    caption = caption .. " [Kilde: " .. esc_md(sentence(rec.kilde)) .. "]{.kilde}"
    local md = "![" .. caption .. "](" .. svg .. '){#fig-' .. id .. ' fig-alt="' .. esc_attr(rec.alt) .. '"}\n'
    local fig = pandoc.read(md, "markdown").blocks[1]
    -- As Quarto's own parser does for a markdown figure: a FloatRefTarget, so that Quarto numbers
    -- it ("Figur 2.1") and resolves @fig-id (a plain Figure from a shortcode comes too late).
    local attr = fig.attr
    local plain = pandoc.walk_block(fig.content[1], {
      Image = function(img)
        for k, v in pairs(img.attributes) do attr.attributes[k] = v end
        img.caption = pandoc.Inlines({})
        return img
      end,
    })
    local blocks = pandoc.Blocks({ quarto.FloatRefTarget({
      attr = attr, type = "Figure", content = plain.content,
      caption_long = fig.caption.long, caption_short = fig.caption.short,
    }) })
    if quarto.doc.is_format("html") then
      blocks:insert(pandoc.RawBlock("html",
        '<details class="figurdata"><summary>Vis tallene bak figuren</summary>\n' ..
        table_html(rec, pandoc.path.join({ dir, rec.csv })) .. "\n</details>\n" ..
        '<p class="lastned"><a href="' .. esc_html(csv) .. '" download="' .. esc_html(rec.csv) ..
        '">Last ned tallene bak figuren (CSV)</a></p>'))
    end
    return blocks
  end,
}
