<?php
/**
 * PHPUnit bootstrap: the plugin's pure classes, and stand-ins for the few WordPress (and WooCommerce) functions the
 * payload builder calls, answering from the fixtures a test puts in $GLOBALS['postflow_fixture'].
 *
 * @package PostFlow
 */

define( 'ABSPATH', __DIR__ . '/' );

require_once __DIR__ . '/../includes/class-postflow-signer.php';
require_once __DIR__ . '/../includes/class-postflow-retry-policy.php';
require_once __DIR__ . '/../includes/class-postflow-payload.php';

$GLOBALS['postflow_fixture'] = array();

function postflow_fixture( $key, $default = null ) {
	return $GLOBALS['postflow_fixture'][ $key ] ?? $default;
}

function get_permalink( $post ) {
	return 'https://blog.example/?p=' . $post->ID;
}

function get_post_thumbnail_id( $post ) {
	return postflow_fixture( 'thumbnail', 0 );
}

function wp_get_attachment_image_src( $id, $size ) {
	$images = postflow_fixture( 'images', array() );
	return $images[ $id ] ?? false;
}

function get_post_meta( $id, $key, $single ) {
	$meta = postflow_fixture( 'meta', array() );
	return $meta[ $id ][ $key ] ?? '';
}

function get_the_terms( $post, $taxonomy ) {
	$terms = postflow_fixture( 'terms', array() );
	if ( empty( $terms[ $taxonomy ] ) ) {
		return false;
	}
	return array_map(
		function ( $name ) {
			return (object) array( 'name' => $name );
		},
		$terms[ $taxonomy ]
	);
}

function get_the_author_meta( $field, $user_id ) {
	return 'display_name' === $field ? postflow_fixture( 'author', '' ) : '';
}

// As WordPress's: scripts and styles go with their content, other tags are stripped.
function wp_strip_all_tags( $text ) {
	return trim( strip_tags( preg_replace( '@<(script|style)[^>]*?>.*?</\\1>@si', '', $text ) ) );
}

function strip_shortcodes( $content ) {
	return preg_replace( '/\[[^\]]+\]/', '', $content );
}

function excerpt_remove_blocks( $content ) {
	return preg_replace( '/<!-- \/?wp:[^>]*-->/', '', $content );
}

// As WordPress's for a Latin text: the first $num_words words, $more appended when there were more.
function wp_trim_words( $text, $num_words = 55, $more = null ) {
	$words = preg_split( "/[\n\r\t ]+/", $text, -1, PREG_SPLIT_NO_EMPTY );
	if ( count( $words ) > $num_words ) {
		return implode( ' ', array_slice( $words, 0, $num_words ) ) . $more;
	}
	return implode( ' ', $words );
}

function wc_get_product( $id ) {
	return postflow_fixture( 'product' );
}

function wp_json_encode( $data ) {
	return json_encode( $data );
}

function get_woocommerce_currency() {
	return 'EUR';
}

/**
 * A WC_Product with the getters the plugin calls, answering given values.
 */
class Postflow_Test_Product {
	public $values;

	public function __construct( array $values ) {
		$this->values = $values;
	}

	public function __call( $name, $arguments ) {
		return $this->values[ $name ];
	}
}
