<?xml version="1.0" encoding="utf-8"?>
{#- What a browser shows when a reader opens an RSS or Atom feed: a page in the theme that
    says what a feed is, and the feed's articles. The feeds name it in an xml-stylesheet
    instruction; feed readers ignore it. -#}
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:atom="http://www.w3.org/2005/Atom">
<xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>
<xsl:template match="/">
<html lang="{{ config.language }}" dir="{{ text_direction }}">
<head>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title><xsl:value-of select="rss/channel/title|atom:feed/atom:title"/></title>
<link rel="stylesheet" href="{{ theme_css }}"/>
</head>
<body>
<header class="top"><a class="brand" href="{{ config.base_path }}">{{ config.title }}</a></header>
<main id="_main">
<header class="head">
<p class="kicker">{{ _("Feed") }}</p>
<h1><xsl:value-of select="rss/channel/title|atom:feed/atom:title"/></h1>
<p class="desc">{{ _("This is a web feed. Copy its address from the address bar into a feed reader to follow new articles.") }} <a href="{{ config.base_path }}subscribe/">{{ _("Every feed of the site") }}</a></p>
</header>
<section class="list" aria-label="{{ _("Articles") }}">
<xsl:for-each select="rss/channel/item">
<article><h2><a href="{link}"><xsl:value-of select="title"/></a></h2><p class="meta"><xsl:value-of select="pubDate"/></p><p><xsl:value-of select="description"/></p></article>
</xsl:for-each>
<xsl:for-each select="atom:feed/atom:entry">
<article><h2><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h2><p class="meta"><xsl:value-of select="atom:published"/></p><p><xsl:value-of select="atom:summary"/></p></article>
</xsl:for-each>
</section>
</main>
</body>
</html>
</xsl:template>
</xsl:stylesheet>
