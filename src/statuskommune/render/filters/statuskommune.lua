--[[
statuskommune.lua: the Quarto syntax our chapters use, for pandoc's HTML and typst writers.

- Figures (`![caption](x.svg){#fig-id fig-alt="..."}`) get their number from the crossref
  index ("Figur 2.3: ...") and are written as raw HTML (<figure>, <img alt>, <figcaption>) or as
  raw typst (#figure(image(..., alt: "...")) <fig-id>). pandoc's typst writer would drop the alt
  text, and PDF/UA-1 export needs it.
- Cross-references `@fig-id`, `@Fig-id`, `@sec-id`, `@Sec-id` become links with the number.
  An unknown reference stops the build with a message naming the page and the id.
- Headings are numbered like Quarto books number them ("2", "2.1"); `.unnumbered` is respected.
- Divs with `.content-visible when-format="html"` (or `.content-hidden`) are kept or dropped.
- In typst, links to other HTML pages become internal links when the target is in the PDF.

Metadata: crossref-index (path to JSON), page (this page's HTML file), chapter-number.
]]

local NBSP = "\u{00A0}" -- "figur 2.3" never breaks between word and number
local index = {}
local page = ""
local chapter_number = nil
local section = 0

local function is_html() return FORMAT:match("html") ~= nil end
local function is_typst() return FORMAT:match("typst") ~= nil end

local function typst_string(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('\n', ' ') .. '"'
end

local function to_typst(inlines)
  local doc = pandoc.Pandoc({ pandoc.Plain(inlines) })
  return (pandoc.write(doc, "typst"):gsub("%s+$", ""))
end

local function to_html(inlines)
  local doc = pandoc.Pandoc({ pandoc.Plain(inlines) })
  return (pandoc.write(doc, "html"):gsub("%s+$", ""))
end

local function escape_html(s)
  return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"))
end

function Meta(meta)
  local path = meta["crossref-index"] and pandoc.utils.stringify(meta["crossref-index"])
  if path and path ~= "" then
    local f = io.open(path, "r")
    if not f then error("statuskommune.lua: fant ikke kryssreferanseindeksen " .. path) end
    index = pandoc.json.decode(f:read("a"))
    f:close()
  end
  page = meta["page"] and pandoc.utils.stringify(meta["page"]) or ""
  local n = meta["chapter-number"] and pandoc.utils.stringify(meta["chapter-number"]) or ""
  chapter_number = (n ~= "") and n or nil
  return meta
end

local function has_class(el, c)
  for _, x in ipairs(el.classes) do if x == c then return true end end
  return false
end

function Header(h)
  if has_class(h, "unnumbered") or chapter_number == nil then return h end
  local num
  if h.level == 1 then
    num = chapter_number
  elseif h.level == 2 then
    section = section + 1
    num = chapter_number .. "." .. section
  else
    return h
  end
  if is_html() then
    h.content:insert(1, pandoc.Space())
    h.content:insert(1, pandoc.Span({ pandoc.Str(num) }, { class = "nr" }))
  else
    h.content:insert(1, pandoc.Space())
    h.content:insert(1, pandoc.Str(num))
  end
  return h
end

function Div(div)
  local when = div.attributes["when-format"]
  if has_class(div, "content-visible") and when then
    if (when == "html" and is_html()) or (when == "typst" and is_typst()) or (when == "pdf" and is_typst()) then
      return div.content
    end
    return {}
  end
  if has_class(div, "content-hidden") and when then
    if (when == "html" and is_html()) or ((when == "typst" or when == "pdf") and is_typst()) then
      return {}
    end
    return div.content
  end
  return nil
end

local function split_caption(inlines)
  local title, kilde, delvis = pandoc.Inlines({}), nil, nil
  for _, il in ipairs(inlines) do
    if il.t == "Span" and has_class(il, "kilde") then
      kilde = il.content
    elseif il.t == "Span" and has_class(il, "delvis") then
      delvis = il.content
    else
      title:insert(il)
    end
  end
  while #title > 0 and (title[#title].t == "Space" or title[#title].t == "SoftBreak") do title:remove(#title) end
  return title, kilde, delvis
end

function Figure(fig)
  local id = fig.identifier
  local entry = index[id]
  if not entry then error("statuskommune.lua: " .. page .. ": figuren #" .. id .. " mangler i kryssreferanseindeksen") end
  local img
  pandoc.walk_block(pandoc.Div(fig.content), { Image = function(i) img = i end })
  if not img then error("statuskommune.lua: " .. page .. ": figuren #" .. id .. " har ikke noe bilde") end
  local alt = img.attributes["fig-alt"] or ""
  if alt == "" then error("statuskommune.lua: " .. page .. ": figuren #" .. id .. " mangler fig-alt (alternativ tekst)") end
  local cap = pandoc.utils.blocks_to_inlines(fig.caption.long)
  local title, kilde, delvis = split_caption(cap)
  local label = "Figur" .. NBSP .. entry.number
  if is_html() then
    local parts = { '<span class="fignr">' .. label .. ':</span> ' .. to_html(title) }
    if delvis then parts[#parts + 1] = ' <span class="delvis">' .. to_html(delvis) .. '</span>' end
    if kilde then parts[#parts + 1] = ' <span class="kilde">' .. to_html(kilde) .. '</span>' end
    local html = '<figure id="' .. id .. '" class="figur">\n<img src="' .. escape_html(img.src) ..
      '" alt="' .. escape_html(alt) .. '" loading="lazy">\n<figcaption>' .. table.concat(parts) ..
      '</figcaption>\n</figure>'
    return pandoc.RawBlock("html", html)
  elseif is_typst() then
    local capt = label .. ": " .. to_typst(title)
    if delvis then capt = capt .. " #emph[" .. to_typst(delvis) .. "]" end
    if kilde then capt = capt .. " #linebreak() #text(size: 0.92em, fill: rgb(\"#404040\"))[" .. to_typst(kilde) .. "]" end
    -- typst resolves paths from the including file; "/" anchors them at the project root.
    local src = img.src:match("^/") and img.src or ("/" .. img.src)
    local t = "#figure(image(" .. typst_string(src) .. ", width: 100%, alt: " .. typst_string(alt) ..
      "), caption: [" .. capt .. "], numbering: none, supplement: none) <" .. id .. ">"
    return pandoc.RawBlock("typst", t)
  end
  return nil
end

local function ref_text(kind, entry, capital)
  if kind == "fig" then
    return (capital and "Figur" or "figur") .. NBSP .. entry.number
  end
  if entry.number == nil or entry.number == pandoc.null then
    return "«" .. entry.title .. "»"
  end
  if entry.level == 1 then
    return (capital and "Kapittel" or "kapittel") .. NBSP .. entry.number
  end
  return (capital and "Avsnitt" or "avsnitt") .. NBSP .. entry.number
end

function Cite(cite)
  local c = cite.citations[1]
  local id = c.id
  local prefix, rest = id:match("^(%a%a%a)%-(.+)$")
  if not prefix then return nil end
  local kind = prefix:lower()
  if kind ~= "fig" and kind ~= "sec" then return nil end
  local capital = prefix:sub(1, 1):match("%u") ~= nil
  local key = kind .. "-" .. rest
  local entry = index[key] or (kind == "sec" and index[rest]) or nil
  if not entry then
    error("statuskommune.lua: " .. page .. ": kryssreferansen @" .. id .. " peker ikke på noen figur eller noe avsnitt")
  end
  if index[key] == nil then key = rest end
  local text = ref_text(kind, entry, capital)
  if is_html() then
    local href = (entry.page == page) and ("#" .. key) or (entry.page .. "#" .. key)
    return pandoc.Link(text, href)
  elseif is_typst() then
    return pandoc.RawInline("typst", "#link(<" .. key .. ">)[" .. text .. "]")
  end
  return pandoc.Str(text)
end

function Link(link)
  if not is_typst() then return nil end
  local target = link.target
  if target:match("^https?://") or target:match("^mailto:") then return nil end
  local anchor = target:match("^[%w%-_]+%.html#(.+)$") or target:match("^#(.+)$")
  if anchor and index[anchor] then
    return pandoc.RawInline("typst", "#link(<" .. anchor .. ">)[" .. to_typst(link.content) .. "]")
  end
  return link.content -- a local file (HTML page, CSV) has no meaning inside the PDF
end

function Table(t)
  if not is_html() then return nil end
  -- A wide table scrolls inside its own keyboard-focusable region, never the page (WCAG 1.4.10).
  -- Attributes as an ordered list of pairs: a Lua table with string keys iterates in a
  -- different order on every run, and the HTML bytes must be the same for the same input.
  return pandoc.Div({ t }, pandoc.Attr("", { "tabellramme" },
    { { "tabindex", "0" }, { "role", "region" }, { "aria-label", "Tabell" } }))
end

-- Run Meta first so the index is loaded before anything else is filtered.
return {
  { Meta = Meta },
  { Div = Div },
  { Header = Header, Figure = Figure, Cite = Cite, Link = Link, Table = Table },
}
